//! Short display names for sources: a file's name, with parent folders added only where two
//! would otherwise collide; a command's text, shortened.

use std::path::{Component, Path};

/// Longest name derived from a command before it is shortened with `…`.
const COMMAND_NAME_MAX: usize = 24;

/// Names for `paths`: each file's name, plus as many parent folders as it takes to tell
/// colliding ones apart.
pub fn file_names(paths: &[&Path]) -> Vec<String> {
    let parts: Vec<Vec<String>> = paths.iter().map(|p| components(p)).collect();
    let mut depth = vec![1usize; paths.len()];
    loop {
        let names: Vec<String> = parts.iter().zip(&depth).map(|(p, &d)| tail(p, d)).collect();
        let mut grew = false;
        for i in 0..names.len() {
            let collides = names
                .iter()
                .enumerate()
                .any(|(j, n)| j != i && *n == names[i]);
            if collides && depth[i] < parts[i].len() {
                depth[i] += 1;
                grew = true;
            }
        }
        if !grew {
            return names;
        }
    }
}

/// A name for a file found later: its file name, with parent folders added while it collides with
/// one of `taken`, then a `#N` suffix if it still does.
pub fn unique_file_name(path: &Path, taken: &[String]) -> String {
    let parts = components(path);
    let name = (1..=parts.len().max(1))
        .map(|d| tail(&parts, d))
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| tail(&parts, parts.len()));
    unique(name, taken)
}

/// A name for a command: its text, shortened.
pub fn command_name(cmd: &str) -> String {
    let cmd = cmd.split_whitespace().collect::<Vec<_>>().join(" ");
    if cmd.chars().count() <= COMMAND_NAME_MAX {
        return cmd;
    }
    let mut short: String = cmd.chars().take(COMMAND_NAME_MAX - 1).collect();
    short.push('…');
    short
}

/// `name`, or `name#2`, `name#3`… the first that is not in `taken`.
pub fn unique(name: String, taken: &[String]) -> String {
    if !taken.contains(&name) {
        return name;
    }
    // One of the first len + 1 suffixes is free.
    (2..=taken.len() + 2)
        .map(|n| format!("{name}#{n}"))
        .find(|n| !taken.contains(n))
        .unwrap_or(name)
}

fn components(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// The last `depth` components joined by `/`.
fn tail(parts: &[String], depth: usize) -> String {
    parts[parts.len().saturating_sub(depth)..].join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collisions_add_parent_folders() {
        let paths = [
            Path::new("/srv/api/app.log"),
            Path::new("/srv/web/app.log"),
            Path::new("/x/db.log"),
        ];
        assert_eq!(file_names(&paths), ["api/app.log", "web/app.log", "db.log"]);
        let paths = [Path::new("a/x/app.log"), Path::new("b/x/app.log")];
        assert_eq!(file_names(&paths), ["a/x/app.log", "b/x/app.log"]);
    }

    #[test]
    fn later_files_and_commands() {
        let taken = vec!["app.log".to_owned()];
        assert_eq!(
            unique_file_name(Path::new("/srv/web/app.log"), &taken),
            "web/app.log"
        );
        assert_eq!(command_name("kubectl   logs -f api"), "kubectl logs -f api");
        assert_eq!(
            command_name("ssh web1 tail -F /var/log/nginx/access.log"),
            "ssh web1 tail -F /var/l…"
        );
        assert_eq!(unique("x".into(), &["x".into(), "x#2".into()]), "x#3");
    }
}
