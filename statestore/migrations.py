"""Versioned schema of the state store; each migration runs once, in order, in a transaction.

Append a migration to add tables; never edit one that has shipped (a store's
``PRAGMA user_version`` records how many have run).
"""

MIGRATIONS: tuple[str, ...] = (
    # 1: strategy state and order intents
    """
    CREATE TABLE order_intents (
        intent_id TEXT NOT NULL,
        strategy_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        structure_id TEXT,
        client_order_id TEXT PRIMARY KEY,
        instrument_id TEXT,
        state TEXT NOT NULL,
        created_ns INTEGER NOT NULL,
        updated_ns INTEGER NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    ) WITHOUT ROWID;
    CREATE INDEX order_intents_open ON order_intents (strategy_id)
        WHERE state IN ('minted', 'working');
    CREATE TABLE structures (
        structure_id TEXT PRIMARY KEY,
        strategy_id TEXT NOT NULL,
        underlying TEXT NOT NULL,
        cycle TEXT NOT NULL,
        status TEXT NOT NULL,
        credit REAL NOT NULL DEFAULT 0,
        opened_ns INTEGER,
        closed_ns INTEGER,
        rolled_from TEXT REFERENCES structures (structure_id),
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX structures_open ON structures (strategy_id, status);
    CREATE TABLE structure_legs (
        structure_id TEXT NOT NULL REFERENCES structures (structure_id),
        instrument_id TEXT NOT NULL,
        side TEXT NOT NULL,
        ratio INTEGER NOT NULL DEFAULT 1,
        quantity INTEGER NOT NULL,
        position_id TEXT,
        PRIMARY KEY (structure_id, instrument_id)
    );
    CREATE TABLE traded_cycles (
        strategy_id TEXT NOT NULL,
        cycle TEXT NOT NULL,
        structure_id TEXT NOT NULL,
        PRIMARY KEY (strategy_id, cycle)
    );
    CREATE TABLE owned_shares (
        strategy_id TEXT NOT NULL,
        instrument_id TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        received_ns INTEGER NOT NULL,
        PRIMARY KEY (strategy_id, instrument_id)
    );
    CREATE TABLE node_status (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_ns INTEGER NOT NULL
    );
    """,
    # 2: risk state, risk events, equity milestones, owner commands
    """
    CREATE TABLE risk_state (
        rule TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        reason TEXT NOT NULL,
        updated_ns INTEGER NOT NULL
    );
    CREATE TABLE risk_events (
        event_id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ns INTEGER NOT NULL,
        rule TEXT NOT NULL,
        action TEXT NOT NULL,
        factor REAL NOT NULL,
        reason TEXT NOT NULL,
        rules TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE milestones (
        rule TEXT NOT NULL,
        key TEXT NOT NULL,
        multiple REAL NOT NULL,
        baseline REAL NOT NULL,
        equity REAL NOT NULL,
        reached_ns INTEGER NOT NULL,
        notified_ns INTEGER,
        PRIMARY KEY (rule, key)
    );
    CREATE TABLE owner_commands (
        command_id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ns INTEGER NOT NULL,
        command TEXT NOT NULL,
        rule TEXT,
        applied_ns INTEGER,
        outcome TEXT
    );
    """,
    # 3: the trade journal (one row per trade and per entry the risk layer blocked or resized)
    """
    CREATE TABLE journal (
        journal_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        strategy_id TEXT NOT NULL,
        underlying TEXT NOT NULL,
        entry_ns INTEGER NOT NULL,
        exit_ns INTEGER,
        record TEXT NOT NULL
    );
    CREATE INDEX journal_open ON journal (kind) WHERE exit_ns IS NULL;
    """,
    # 4: owner control app: command argument, hash-chained audit log, credentials, sessions,
    # login attempts, account snapshots (equity curve)
    """
    ALTER TABLE owner_commands ADD COLUMN argument TEXT;
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        ts_ns INTEGER NOT NULL,
        actor TEXT NOT NULL,
        address TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        outcome TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TABLE control_credentials (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_ns INTEGER NOT NULL
    );
    CREATE TABLE control_sessions (
        token_hash TEXT PRIMARY KEY,
        created_ns INTEGER NOT NULL,
        last_seen_ns INTEGER NOT NULL,
        stepup_ns INTEGER NOT NULL,
        address TEXT NOT NULL
    );
    CREATE TABLE login_attempts (
        attempt_id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ns INTEGER NOT NULL,
        address TEXT NOT NULL,
        ok INTEGER NOT NULL
    );
    CREATE INDEX login_attempts_ts ON login_attempts (ts_ns);
    CREATE TABLE account_snapshots (
        ts_ns INTEGER PRIMARY KEY,
        equity REAL NOT NULL,
        cash REAL NOT NULL
    );
    """,
    # 5: indexes for the control app's journal page: newest rows of a kind, totals and the list
    # of structures without parsing every record
    """
    CREATE INDEX journal_kind_entry ON journal (kind, entry_ns);
    CREATE INDEX journal_kind_pnl ON journal (kind, json_extract(record, '$.pnl'));
    CREATE INDEX journal_kind_structure ON journal (kind, json_extract(record, '$.structure'));
    """,
    # 6: the owner's browsers subscribed to web push notifications
    """
    CREATE TABLE push_subscriptions (
        endpoint TEXT PRIMARY KEY,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        created_ns INTEGER NOT NULL
    );
    """,
    # 7: the control app's account figures, capital flows and marks per structure: buying power
    # in the account snapshots; deposits and withdrawals the owner recorded (one per command);
    # the newest mark of each open structure (mid value, unrealized P&L, greeks)
    """
    ALTER TABLE account_snapshots ADD COLUMN buying_power REAL;
    CREATE TABLE capital_flows (
        command_id INTEGER PRIMARY KEY,
        flow_date TEXT NOT NULL,
        amount REAL NOT NULL,
        note TEXT NOT NULL,
        applied_ns INTEGER NOT NULL
    );
    CREATE TABLE structure_marks (
        structure_id TEXT PRIMARY KEY,
        ts_ns INTEGER NOT NULL,
        mark REAL NOT NULL,
        unrealized_pnl REAL NOT NULL,
        delta REAL,
        gamma REAL,
        vega REAL,
        theta REAL
    );
    """,
    # 8: the wheel's cycles (premiums, fees, shares and their prices; the last may be open)
    """
    CREATE TABLE wheel_cycles (
        strategy_id TEXT NOT NULL,
        cycle INTEGER NOT NULL,
        record TEXT NOT NULL,
        updated_ns INTEGER NOT NULL,
        PRIMARY KEY (strategy_id, cycle)
    );
    """,
    # 9: the journal's filter fields as plain columns (``journal_facets``) and its reason tags
    # (``journal_tags``), kept by triggers on every write of ``journal`` and filled from the
    # rows already there: the control app's filtered journal pages read no JSON record (the
    # counts and totals one covering index); the expression indexes of migration 5 that only
    # that page used are dropped
    """
    CREATE TABLE journal_facets (
        journal_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        underlying TEXT NOT NULL,
        structure TEXT,
        error_class TEXT,
        weekday TEXT,
        dte,
        pnl,
        entry_ns INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX journal_facets_kind_entry ON journal_facets (kind, entry_ns);
    CREATE INDEX journal_facets_filters
        ON journal_facets (kind, structure, weekday, error_class, dte, pnl, underlying);
    CREATE TABLE journal_tags (
        tag TEXT NOT NULL,
        journal_id TEXT NOT NULL,
        PRIMARY KEY (tag, journal_id)
    ) WITHOUT ROWID;
    CREATE INDEX journal_tags_row ON journal_tags (journal_id);
    CREATE TRIGGER journal_facets_insert AFTER INSERT ON journal BEGIN
        INSERT OR REPLACE INTO journal_facets VALUES (
            NEW.journal_id, NEW.kind, NEW.underlying,
            json_extract(NEW.record, '$.structure'), json_extract(NEW.record, '$.error_class'),
            json_extract(NEW.record, '$.weekday'), json_extract(NEW.record, '$.dte'),
            json_extract(NEW.record, '$.pnl'), NEW.entry_ns);
        DELETE FROM journal_tags WHERE journal_id = NEW.journal_id;
        INSERT OR IGNORE INTO journal_tags
            SELECT value, NEW.journal_id FROM json_each(NEW.record, '$.reason_tags');
    END;
    CREATE TRIGGER journal_facets_update AFTER UPDATE ON journal BEGIN
        DELETE FROM journal_facets WHERE journal_id = OLD.journal_id;
        DELETE FROM journal_tags WHERE journal_id = OLD.journal_id;
        INSERT OR REPLACE INTO journal_facets VALUES (
            NEW.journal_id, NEW.kind, NEW.underlying,
            json_extract(NEW.record, '$.structure'), json_extract(NEW.record, '$.error_class'),
            json_extract(NEW.record, '$.weekday'), json_extract(NEW.record, '$.dte'),
            json_extract(NEW.record, '$.pnl'), NEW.entry_ns);
        INSERT OR IGNORE INTO journal_tags
            SELECT value, NEW.journal_id FROM json_each(NEW.record, '$.reason_tags');
    END;
    CREATE TRIGGER journal_facets_delete AFTER DELETE ON journal BEGIN
        DELETE FROM journal_facets WHERE journal_id = OLD.journal_id;
        DELETE FROM journal_tags WHERE journal_id = OLD.journal_id;
    END;
    INSERT INTO journal_facets
        SELECT journal_id, kind, underlying, json_extract(record, '$.structure'),
            json_extract(record, '$.error_class'), json_extract(record, '$.weekday'),
            json_extract(record, '$.dte'), json_extract(record, '$.pnl'), entry_ns
        FROM journal;
    INSERT OR IGNORE INTO journal_tags
        SELECT each.value, journal.journal_id
        FROM journal, json_each(journal.record, '$.reason_tags') AS each;
    DROP INDEX journal_kind_pnl;
    DROP INDEX journal_kind_structure;
    """,
    # 10: each strategy's 30-day ATM IV per session (its IV rank look-back survives a restart)
    """
    CREATE TABLE session_ivs (
        strategy_id TEXT NOT NULL,
        session TEXT NOT NULL,
        iv REAL NOT NULL,
        PRIMARY KEY (strategy_id, session)
    ) WITHOUT ROWID;
    """,
    # 11: the fills of the option settlements (expiration, assignment, exercise) a strategy has
    # booked, by trade id, so a restart books each history event once
    """
    CREATE TABLE option_settlements (
        name TEXT PRIMARY KEY,
        strategy_id TEXT NOT NULL,
        booked_ns INTEGER NOT NULL
    );
    """,
)
