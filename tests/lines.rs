//! What counts as a line: partial lines, CRLF, invalid UTF-8 and NUL bytes, giant lines,
//! binary files, standard input.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{Dir, Running, follow_ready, logbraid, run};

#[test]
fn a_partial_line_waits_for_its_newline() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    dir.append("app.log", "hel");
    dir.append("app.log", "lo wor");
    dir.append("app.log", "ld\nnext\n");
    run.wait_lines(3);
    let (_, lines, _) = run.terminate();
    assert_eq!(lines, ["ready", "hello world", "next"]);
}

#[test]
fn a_partial_line_is_emitted_when_the_source_ends() {
    let dir = Dir::new();
    dir.write("a.log", "complete\nno newline at the end");
    let (code, out, _) = run(&["--no-follow", "-n", "all", "a.log"], &dir);
    assert_eq!(code, 0);
    assert_eq!(out, b"complete\nno newline at the end\n");
}

#[test]
fn sigterm_does_not_emit_a_partial_line() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "app.log", &[]);
    dir.append("app.log", "done\nhalf a li");
    run.wait_lines(2);
    let (code, lines, _) = run.terminate();
    assert_eq!(code, 0);
    assert_eq!(lines, ["ready", "done"]);
}

#[test]
fn crlf_ends_one_line() {
    let dir = Dir::new();
    dir.write("win.log", "one\r\ntwo\r\nlone\rcr\n");
    let (_, out, _) = run(&["--no-follow", "-n", "all", "win.log"], &dir);
    assert_eq!(out, b"one\ntwo\nlone\rcr\n");
}

#[test]
fn invalid_utf8_and_nul_bytes_pass_through_byte_for_byte() {
    let dir = Dir::new();
    let content: &[u8] =
        b"valid line\nbad \xff\xfe\xc3 bytes\nnul \0 inside\n\x1b[31mescape\x1b[0m\n";
    dir.write("odd.log", content);
    let (_, out, _) = run(&["--no-follow", "-n", "all", "odd.log"], &dir);
    assert_eq!(out, content);
}

#[test]
fn escapes_inert_shows_control_characters_visibly() {
    let dir = Dir::new();
    dir.write("evil.log", b"title \x1b]0;pwned\x07 clear \x1b[2J \xff\n");
    let (_, out, _) = run(
        &["--no-follow", "-n", "all", "--escapes", "inert", "evil.log"],
        &dir,
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        "title ^[]0;pwned^G clear ^[[2J \\xFF\n"
    );
}

#[test]
fn a_five_megabyte_line_is_one_line() {
    let dir = Dir::new();
    let run = follow_ready(&dir, "big.log", &[]);
    let big = "x".repeat(5 << 20);
    // Written in pieces, as a logger flushing a huge line would.
    for piece in big.as_bytes().chunks(300_000) {
        dir.append("big.log", piece);
    }
    dir.append("big.log", "\nafter\n");
    run.wait_lines(3);
    let (_, lines, _) = run.terminate();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1].len(), 5 << 20);
    assert_eq!(lines[2], "after");
}

#[test]
fn a_binary_file_is_reported_and_others_go_on() {
    let dir = Dir::new();
    let noise: Vec<u8> = (0..8192u32)
        .map(|i| u8::try_from(i * 7919 % 251).unwrap_or(0))
        .collect();
    dir.write("core.bin", noise);
    dir.write("ok.log", "fine\n");
    let (code, out, err) = run(&["--no-follow", "-n", "all", "core.bin", "ok.log"], &dir);
    assert_eq!(code, 0);
    assert_eq!(out, b"fine\n");
    assert!(err.contains("core.bin: binary file"), "stderr: {err}");
}

#[test]
fn standard_input() {
    let dir = Dir::new();
    let mut child = logbraid()
        .args(["--print", "-"])
        .current_dir(dir.root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"from\r\nstdin\nno newline")
        .expect("write");
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    assert_eq!(out.stdout, b"from\nstdin\nno newline\n");
}

#[test]
fn stdin_alongside_a_followed_file() {
    let dir = Dir::new();
    dir.write("a.log", "ready\n");
    let mut cmd = logbraid();
    cmd.args(["--print", "--prefix", "-n", "1", "-", "a.log"])
        .current_dir(dir.root())
        .stdin(Stdio::piped());
    let mut run = Running::start_with(&mut cmd);
    run.wait_lines(1);
    let mut stdin = run.take_stdin();
    stdin.write_all(b"piped\n").expect("write");
    stdin.flush().expect("flush");
    run.wait_lines(2);
    dir.append("a.log", "appended\n");
    run.wait_lines(3);
    let (_, lines, _) = run.terminate();
    assert_eq!(
        lines,
        ["a.log | ready", "stdin | piped", "a.log | appended"]
    );
}

/// Onto a terminal (a pty from `script`), escape sequences in lines are shown inert by default;
/// into a pipe they pass through exactly (the other tests).
#[test]
fn escapes_are_inert_on_a_terminal_by_default() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let dir = Dir::new();
    dir.write("evil.log", b"\x1b]0;pwned\x07 \x1b[2J \x1b[31mred\x1b[0m\n");
    let inner = format!(
        "{} --no-follow -n all evil.log",
        env!("CARGO_BIN_EXE_logbraid")
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .current_dir(dir.root())
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("^[]0;pwned^G ^[[2J \x1b[31mred\x1b[0m"),
        "{text:?}"
    );
    assert!(
        !text.contains("\x1b]0;"),
        "a title escape reached the terminal: {text:?}"
    );
}
