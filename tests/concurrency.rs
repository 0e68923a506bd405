//! Many sources writing at once: nothing lost, nothing duplicated, each source's order kept,
//! and no line split or interleaved with another.

#![allow(clippy::format_push_string)] // building test data

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::thread;

use common::{Dir, Running};

const WRITERS: usize = 8;
const LINES: usize = 20_000;

#[test]
fn eight_writers_twenty_thousand_lines_each() {
    let dir = Dir::new();
    let names: Vec<String> = (0..WRITERS).map(|w| format!("w{w}.log")).collect();
    for name in &names {
        dir.write(name, "start\n");
    }
    let mut args = vec!["--prefix", "-n", "1"];
    args.extend(names.iter().map(String::as_str));
    let run = Running::start(&args, &dir);
    // Writers start once every file is followed: its first line is out.
    run.wait_lines(WRITERS);
    let writers: Vec<_> = names
        .iter()
        .map(|name| {
            let mut file = dir.open_append(name);
            let name = name.clone();
            thread::spawn(move || {
                // Uneven write sizes: single lines, small bursts, and partial lines.
                let mut i = 0;
                while i < LINES {
                    let burst = 1 + (i * 7 % 13);
                    let mut chunk = String::new();
                    for _ in 0..burst.min(LINES - i) {
                        chunk.push_str(&format!("{name} seq {i} payload {}\n", "x".repeat(i % 50)));
                        i += 1;
                    }
                    let (a, b) = chunk.split_at(chunk.len() / 2);
                    file.write_all(a.as_bytes()).expect("write");
                    file.write_all(b.as_bytes()).expect("write");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    run.wait_lines(WRITERS * (LINES + 1));
    let (_, lines, _) = run.terminate();
    assert_eq!(
        lines.len(),
        WRITERS * (LINES + 1),
        "no line lost or duplicated"
    );
    let mut next: HashMap<String, usize> = HashMap::new();
    for line in &lines {
        let (prefix, body) = line.split_once(" | ").expect("prefixed line");
        if body == "start" {
            continue;
        }
        let mut words = body.split(' ');
        let source = words.next().expect("source");
        assert_eq!(
            prefix.trim(),
            source,
            "line attributed to the wrong source: {line}"
        );
        assert_eq!(
            words.next(),
            Some("seq"),
            "split or interleaved line: {line}"
        );
        let seq: usize = words.next().and_then(|s| s.parse().ok()).expect("seq");
        let expected = next.entry(source.to_owned()).or_insert(0);
        assert_eq!(seq, *expected, "{source} out of order");
        *expected += 1;
        assert_eq!(words.next(), Some("payload"));
        assert_eq!(
            words.next().map(str::len),
            Some(seq % 50),
            "damaged line: {line}"
        );
    }
    assert!(next.values().all(|&n| n == LINES));
}
