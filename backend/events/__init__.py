"""The event stream: a transactional outbox, a relay, and an event bus (in-process or Redis Streams)."""
