//! tmp
#![allow(missing_docs)]
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}
pub struct Report;
pub async fn run_cli(_a: CheckArgs) -> Result<crate::Outcome, crate::Error> {
    Err(crate::Error::Usage("todo".into()))
}
