//! Output that cannot be written: a full disk exits 1 saying so, a closed
//! pipe ends quietly.

use super::*;

/// A stdout that takes `room` bytes, then fails every write with `kind`
/// (`BrokenPipe`: `| head` closed it; `StorageFull`: `> /dev/full`).
struct Failing {
    room: usize,
    kind: std::io::ErrorKind,
    taken: Vec<u8>,
}

impl std::io::Write for Failing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.taken.len() + buf.len() > self.room {
            return Err(std::io::Error::new(self.kind, "the output is gone"));
        }
        self.taken.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn sync_into(args: &[&str], room: usize, kind: std::io::ErrorKind) -> (i32, String) {
    let lookup = |k: &str| (k == "ATERA_API_KEY").then(|| ATERA_API_KEY.to_string());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut out = Failing {
        room,
        kind,
        taken: Vec::new(),
    };
    let mut err = Vec::new();
    let code = run_sync(
        &args,
        Io {
            out: &mut out,
            err: &mut err,
            env: &lookup,
            out_is_terminal: false,
        },
    )
    .await;
    (code, String::from_utf8(err).unwrap())
}

#[tokio::test]
async fn sync_into_a_full_disk_exits_1_saying_it_could_not_write_in_both_formats() {
    let fake = AteraFake::with_data(AteraData::generate(4, 5, 3, 3)).await;
    for format in ["jsonl", "table"] {
        let (code, err) = sync_into(
            &["atera", "--base-url", &fake.uri(), "--format", format],
            0,
            std::io::ErrorKind::StorageFull,
        )
        .await;
        assert_eq!(code, 1, "{format}: {err}");
        assert!(
            err.lines()
                .last()
                .unwrap_or("")
                .starts_with("error: could not write"),
            "{format}: {err}"
        );
    }
}

#[tokio::test]
async fn sync_into_a_closed_pipe_ends_quietly_with_0() {
    let fake = AteraFake::with_data(AteraData::generate(4, 5, 3, 3)).await;
    let (code, err) = sync_into(
        &["atera", "--base-url", &fake.uri()],
        200,
        std::io::ErrorKind::BrokenPipe,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("error"), "{err}");
}

#[tokio::test]
async fn the_demo_into_a_closed_pipe_ends_quietly_and_help_prints_help() {
    let mut out = Failing {
        room: 300,
        kind: std::io::ErrorKind::BrokenPipe,
        taken: Vec::new(),
    };
    let mut err = Vec::new();
    let code = vectis_examples::demo::main_with(&[], &mut out, &mut err).await;
    let err = String::from_utf8(err).unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains("error") && !err.contains("configuration"),
        "{err}"
    );

    let mut out = Failing {
        room: 0,
        kind: std::io::ErrorKind::StorageFull,
        taken: Vec::new(),
    };
    let mut err = Vec::new();
    let code = vectis_examples::demo::main_with(&[], &mut out, &mut err).await;
    let err = String::from_utf8(err).unwrap();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error: could not write"), "{err}");
    assert!(!err.contains("configuration"), "{err}");

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = vectis_examples::demo::main_with(&["--help".to_string()], &mut out, &mut err).await;
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 0);
    assert!(out.contains("Usage: demo"), "{out}");
    assert!(!out.contains("CUSTOMER HUB"), "the demo did not run");
}
