//! Which applications `authlint graph` draws: all of them, or those of one name (one per tenant
//! that defines it), with close names suggested when there is none.

use crate::check::Report;

/// The applications of `report` to draw, as indices into `report.model.applications`, by tenant,
/// name and file. With `name`, only the applications of that name; the error says there is none
/// and which names are close.
pub fn select(report: &Report, name: Option<&str>) -> Result<Vec<usize>, String> {
    let apps = &report.model.applications;
    let mut chosen: Vec<usize> =
        (0..apps.len()).filter(|&i| name.is_none_or(|n| apps[i].name.value == n)).collect();
    chosen.sort_by_cached_key(|&i| {
        let app = &apps[i];
        let file = report.files.try_get(app.file).map_or("", |f| f.display.as_str());
        (app.tenant, app.name.value.clone(), file.to_string(), i)
    });
    match name {
        Some(name) if chosen.is_empty() => {
            let names: Vec<&str> = apps.iter().map(|a| a.name.value.as_str()).collect();
            let close = close_names(name, &names);
            let mut message = format!("no application named {}", shown(name));
            if apps.is_empty() {
                message.push_str(": no application was found under the paths given");
            } else if !close.is_empty() {
                let list: Vec<String> = close.iter().map(|n| shown(n)).collect();
                message.push_str(&format!("; did you mean {}?", list.join(", ")));
            }
            Err(message)
        }
        _ => Ok(chosen),
    }
}

/// A name as the terminal shows it: quoted, with control characters escaped.
fn shown(name: &str) -> String {
    format!("`{}`", name.escape_debug())
}

/// Up to three names close to `wanted`: equal but for case, containing it, or within a few
/// edits; closest first, then by name.
pub fn close_names<'a>(wanted: &str, names: &[&'a str]) -> Vec<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .filter_map(|&n| {
            let lower = n.to_lowercase();
            let score = if lower == wanted_lower {
                0
            } else if !wanted_lower.is_empty()
                && (lower.contains(&wanted_lower) || wanted_lower.contains(&lower))
            {
                1
            } else {
                let d = edit_distance(&lower, &wanted_lower, limit)?;
                d + 1
            };
            Some((score, n))
        })
        .collect();
    scored.sort_by_key(|&(score, n)| (score, n.to_lowercase(), n));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// The Levenshtein distance of `a` and `b`, if it is at most `limit` (long names are not
/// compared at all: a suggestion is for a typo).
fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit || a.len() > 256 || b.len() > 256 {
        return None;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous.last().copied().filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_names_with_a_typo_or_another_case() {
        let names = ["payroll", "crm", "wiki", "intranet", "Payroll-EU"];
        assert_eq!(close_names("payrol", &names), ["payroll", "Payroll-EU"]);
        assert_eq!(close_names("WIKI", &names), ["wiki"]);
        assert_eq!(close_names("cmr", &names), ["crm"]);
        assert!(close_names("zzzzzzzz", &names).is_empty());
        assert_eq!(edit_distance("kitten", "sitting", 5), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
    }
}
