/**
 * Versioned schema migrations, applied in order inside one transaction each; the applied
 * version lives in `PRAGMA user_version`. Never edit a released entry: append a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'gateway identity',
    sql: `
      CREATE TABLE gateway_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        device_id TEXT NOT NULL,
        public_key TEXT NOT NULL,
        private_key_pem TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      );
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'device pairing and device tokens',
    // Lists (roles, scopes) are JSON arrays. Device tokens are kept only as SHA-256 digests, so
    // a copy of this file yields no usable credential (issue 5, "credentials at rest").
    sql: `
      CREATE TABLE paired_device (
        device_id TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        display_name TEXT,
        label TEXT,
        platform TEXT,
        device_family TEXT,
        client_id TEXT,
        client_mode TEXT,
        role TEXT NOT NULL,
        roles TEXT NOT NULL,
        scopes TEXT NOT NULL,
        approved_via TEXT NOT NULL,
        remote_ip TEXT,
        created_at_ms INTEGER NOT NULL,
        approved_at_ms INTEGER NOT NULL,
        last_seen_at_ms INTEGER,
        last_seen_reason TEXT
      );
      CREATE TABLE device_pairing_request (
        request_id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        public_key TEXT NOT NULL,
        display_name TEXT,
        platform TEXT,
        device_family TEXT,
        client_id TEXT,
        client_mode TEXT,
        role TEXT NOT NULL,
        scopes TEXT NOT NULL,
        reason TEXT NOT NULL,
        silent INTEGER NOT NULL,
        is_repair INTEGER NOT NULL,
        remote_ip TEXT,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL
      );
      CREATE INDEX device_pairing_request_by_device ON device_pairing_request (device_id);
      CREATE TABLE device_token (
        device_id TEXT NOT NULL REFERENCES paired_device (device_id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        token_sha256 BLOB NOT NULL,
        scopes TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        issued_at_ms INTEGER NOT NULL,
        rotated_at_ms INTEGER,
        revoked_at_ms INTEGER,
        last_used_at_ms INTEGER,
        PRIMARY KEY (device_id, role)
      );
    `,
  },
  {
    version: 3,
    name: 'node capability surfaces',
    // One row per node (its device id): what it last declared, what an operator approved
    // (NULL until the first approval), and its last-known host stats. Pending surface requests
    // are kept until approved, rejected or replaced (they do not expire, protocol.md 6.4).
    sql: `
      CREATE TABLE node (
        node_id TEXT PRIMARY KEY,
        client_id TEXT,
        client_mode TEXT,
        display_name TEXT,
        label TEXT,
        platform TEXT,
        version TEXT,
        device_family TEXT,
        path_env TEXT,
        declared_caps TEXT NOT NULL,
        declared_commands TEXT NOT NULL,
        approved_caps TEXT,
        approved_commands TEXT,
        created_at_ms INTEGER NOT NULL,
        approved_at_ms INTEGER,
        last_connected_at_ms INTEGER,
        last_seen_at_ms INTEGER,
        last_seen_reason TEXT,
        host_stats TEXT,
        host_stats_at_ms INTEGER
      );
      CREATE TABLE node_pairing_request (
        request_id TEXT PRIMARY KEY,
        node_id TEXT NOT NULL UNIQUE,
        caps TEXT NOT NULL,
        commands TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'setup-code bootstrap tokens',
    // A setup code's bootstrap token is kept only as its SHA-256 digest (the lookup key), with
    // the roles and scopes its handoff grants (JSON arrays). A row is deleted when it is used.
    sql: `
      CREATE TABLE device_bootstrap_token (
        token_sha256 BLOB PRIMARY KEY,
        setup_id TEXT NOT NULL,
        roles TEXT NOT NULL,
        scopes TEXT NOT NULL,
        issued_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL
      );
      CREATE INDEX device_bootstrap_token_by_expiry ON device_bootstrap_token (expires_at_ms);
    `,
  },
  {
    version: 5,
    name: 'channel inbound queue, outbox and sender pairing',
    // Store, then acknowledge (style B3.7): an update row is written in the same transaction as
    // the poll offset that confirms it, and (channel, account, update_id) is the persisted dedupe
    // key. A reply is written to the outbox in the same transaction that marks its update done,
    // and its row is deleted only when the Bot API has accepted the message.
    sql: `
      CREATE TABLE channel_poll_state (
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        next_offset INTEGER NOT NULL,
        PRIMARY KEY (channel, account_id)
      );
      CREATE TABLE channel_inbound (
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        update_id INTEGER NOT NULL,
        chat_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
        received_at_ms INTEGER NOT NULL,
        done_at_ms INTEGER,
        PRIMARY KEY (channel, account_id, update_id)
      );
      CREATE INDEX channel_inbound_pending ON channel_inbound (state, received_at_ms);
      CREATE TABLE channel_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        html TEXT,
        plain TEXT NOT NULL,
        reply_to_message_id INTEGER,
        source TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before_ms INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at_ms INTEGER NOT NULL
      );
      CREATE INDEX channel_outbox_by_chat ON channel_outbox (channel, account_id, chat_id, id);
      CREATE TABLE channel_pairing_request (
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        code TEXT NOT NULL,
        meta TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        last_seen_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, account_id, sender_id)
      );
      CREATE UNIQUE INDEX channel_pairing_request_code ON channel_pairing_request (channel, code);
      CREATE TABLE channel_allowed_sender (
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        approved_at_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, account_id, sender_id)
      );
    `,
  },
  {
    version: 6,
    name: 'sessions, transcripts and chat runs',
    // One row per session key (assistant.md 1.2). Transcript rows carry a stable id and a
    // per-session seq (the catch-up cursor, assistant.md 7); `message` is the row's JSON without
    // its __openclaw block, which is rebuilt from the columns. `in_context = 0` keeps a row out
    // of what the model is shown (an aborted turn's partial text, assistant.md 2). Runs persist
    // their idempotency outcome so a replay after a restart never starts a second run (6).
    sql: `
      CREATE TABLE chat_session (
        key TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        created_via TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        status TEXT,
        last_seq INTEGER NOT NULL DEFAULT 0,
        generation INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        patch TEXT NOT NULL DEFAULT '{}'
      );
      CREATE TABLE transcript_row (
        id TEXT PRIMARY KEY,
        session_key TEXT NOT NULL REFERENCES chat_session (key) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        kind TEXT NOT NULL,
        run_id TEXT,
        idempotency_key TEXT,
        in_context INTEGER NOT NULL,
        message TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        UNIQUE (session_key, seq)
      );
      CREATE UNIQUE INDEX transcript_row_by_idempotency ON transcript_row (session_key, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE TABLE chat_run (
        run_id TEXT PRIMARY KEY,
        session_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        request TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        started_at_ms INTEGER,
        ended_at_ms INTEGER,
        outcome TEXT
      );
      CREATE INDEX chat_run_by_status ON chat_run (status, created_at_ms);
    `,
  },
  {
    version: 7,
    name: 'durable event log',
    // Append-only; `cursor` is AUTOINCREMENT so a pruned cursor is never handed out again.
    // `event_log_floor` keeps, per stream, the highest cursor removed by retention: a reader
    // behind it gets an explicit reset instead of a silent gap.
    sql: `
      CREATE TABLE event_log (
        cursor INTEGER PRIMARY KEY AUTOINCREMENT,
        stream TEXT NOT NULL,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      );
      CREATE INDEX event_log_by_stream ON event_log (stream, cursor);
      CREATE TABLE event_log_floor (stream TEXT PRIMARY KEY, floor INTEGER NOT NULL);
    `,
  },
  {
    version: 8,
    name: 'exec approvals, grants and the tool audit trail',
    // Exec approvals (assistant.md 8.3, 8.5) outlive a restart as records: a pending one left by a
    // dead process is closed as expired at the next start. A grant is one exact argv on one node
    // (allow-always). The audit trail keeps every tool call and approval decision (issue 15).
    sql: `
      CREATE TABLE exec_approval (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        request TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        resolved_at_ms INTEGER,
        decision TEXT,
        resolved_by TEXT,
        reason TEXT
      );
      CREATE INDEX exec_approval_by_status ON exec_approval (status, created_at_ms);
      CREATE TABLE exec_grant (
        node_id TEXT NOT NULL,
        argv TEXT NOT NULL,
        approval_id TEXT NOT NULL,
        granted_by TEXT,
        created_at_ms INTEGER NOT NULL,
        PRIMARY KEY (node_id, argv)
      );
      CREATE TABLE tool_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        run_id TEXT,
        session_key TEXT,
        tool_call_id TEXT,
        tool TEXT,
        host TEXT,
        node_id TEXT,
        command TEXT,
        outcome TEXT,
        exit_code INTEGER,
        approval_id TEXT,
        decision TEXT,
        actor TEXT,
        error TEXT
      );
    `,
  },
  {
    version: 9,
    name: 'channel outbox edits and deletes, durable drafts',
    // A streamed preview is finished in place (an `edit` of its message) and a progress draft is
    // removed (a `delete`) through the outbox, so a kill cannot lose either. Every draft message a
    // turn showed is recorded right after Telegram accepted it; a restart removes the ones no live
    // turn owns, so no stale draft stays in a chat (issue 16).
    sql: `
      ALTER TABLE channel_outbox ADD COLUMN op TEXT NOT NULL DEFAULT 'send' CHECK (op IN ('send', 'edit', 'delete'));
      ALTER TABLE channel_outbox ADD COLUMN target_message_id INTEGER;
      CREATE TABLE channel_draft (
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        update_id INTEGER NOT NULL,
        created_at_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, account_id, chat_id, message_id)
      );
    `,
  },
  {
    version: 10,
    name: 'allow-always grants bound to the env',
    // A grant is one exact argv with one exact env (the approval's envHash, '' without any) on
    // one node: allowing `X=1 cmd` must not allow `X=2 cmd`. Older grants were all made without
    // knowing the env and keep '' (they now cover the command without variables only).
    sql: `
      ALTER TABLE exec_grant RENAME TO exec_grant_v8;
      CREATE TABLE exec_grant (
        node_id TEXT NOT NULL,
        argv TEXT NOT NULL,
        env_hash TEXT NOT NULL DEFAULT '',
        approval_id TEXT NOT NULL,
        granted_by TEXT,
        created_at_ms INTEGER NOT NULL,
        PRIMARY KEY (node_id, argv, env_hash)
      );
      INSERT INTO exec_grant (node_id, argv, env_hash, approval_id, granted_by, created_at_ms)
        SELECT node_id, argv, '', approval_id, granted_by, created_at_ms FROM exec_grant_v8;
      DROP TABLE exec_grant_v8;
    `,
  },
  {
    version: 11,
    name: 'reset rows indexed',
    // Every run reads the session's last reset (the start of the model's context): without this
    // index that read visited every row of the session (3 ms a run at 10,000 rows).
    sql: `
      CREATE INDEX transcript_row_resets ON transcript_row (session_key, seq) WHERE kind = 'reset';
    `,
  },
  {
    version: 12,
    name: 'session routes and channel follow-ups',
    // A session's last channel route (the chat it last heard from) cannot always be read from its
    // key (DMs share agent:main:main by default, assistant.md 1.1). A follow-up is the answer a
    // chat is owed for a turn the gateway started there (an exec completion note): stored with
    // that turn, deleted in the transaction that queues the answer in the outbox. A topic's
    // message_thread_id rides on the outbox row. A deleted session forgets its route.
    sql: `
      CREATE TABLE session_route (
        session_key TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        chat_type TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        thread_id INTEGER,
        updated_at_ms INTEGER NOT NULL
      );
      CREATE TABLE channel_followup (
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        session_key TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        chat_type TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        thread_id INTEGER,
        message TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, account_id, run_id)
      );
      ALTER TABLE channel_outbox ADD COLUMN thread_id INTEGER;
      CREATE TRIGGER session_route_forgotten AFTER DELETE ON chat_session BEGIN
        DELETE FROM session_route WHERE session_key = old.key;
      END;
    `,
  },
];
