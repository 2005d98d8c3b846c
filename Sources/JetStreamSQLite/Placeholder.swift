// Placeholder until the SQLite store lands.
enum JetStreamSQLitePlaceholder {}
