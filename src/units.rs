//! Durations and sizes as people write them (`8h`, `256KiB`), shared by the command line and the
//! `--contract` file.

use std::time::Duration;

/// Parses `8h`, `30m`, `1500ms`, `2s` (humantime syntax).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (try 8h, 30m, 90s, 1500ms)"))
}

/// Parses a time written `7.25ms`, `812us` or `1.02s` into microseconds; a bare number counts in units
/// of `bare` µs.
pub fn parse_micros(s: &str, bare: f64) -> Option<f64> {
    let (num, mult) = if let Some(n) = s.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1000.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1_000_000.0)
    } else {
        (s, bare)
    };
    num.trim().parse::<f64>().ok().map(|n| n * mult)
}

/// Parses `256KiB`, `1MiB`, `64kb`, `1000` into bytes.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (try 256KiB, 1MiB, 1000)"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        other => return Err(format!("unknown size unit `{other}` (use B, KiB or MiB)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("256KiB"), Ok(256 * 1024));
        assert_eq!(parse_size("1MiB"), Ok(1024 * 1024));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("12parsecs").is_err());
        assert!(parse_size("KiB").is_err());
    }

    #[test]
    fn durations_parse_as_humantime() {
        assert_eq!(parse_duration("8h"), Ok(Duration::from_secs(8 * 3600)));
        assert_eq!(parse_duration(" 1500ms "), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
    }
}
