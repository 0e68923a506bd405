//! Log sources: files followed by name, globs, standard input and shell commands.

pub mod split;
