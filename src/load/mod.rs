//! tmp
#![allow(missing_docs)]
#[derive(Debug, clap::Args)]
pub struct LoadArgs {}
pub async fn run_cli(_a: LoadArgs) -> Result<crate::Outcome, crate::Error> {
    Err(crate::Error::Usage("todo".into()))
}
