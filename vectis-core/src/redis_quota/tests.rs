//! Unit tests of `redis_quota`.

use super::*;

#[test]
fn a_redis_failure_keeps_the_redis_error_as_its_source() {
    let e = CallError::redis(
        "127.0.0.1:6379",
        redis::RedisError::from((redis::ErrorKind::Io, "connection refused")),
    )
    .into_error();
    let shown = e.to_string();
    assert!(shown.contains("Redis at 127.0.0.1:6379"), "{shown}");
    let source = std::error::Error::source(&e).expect("a source");
    assert_eq!(source.to_string(), "connection refused - Io");
    let redis = source
        .downcast_ref::<Arc<dyn std::error::Error + Send + Sync>>()
        .and_then(|a| a.downcast_ref::<redis::RedisError>());
    assert!(redis.is_some(), "{source:?}");
}
