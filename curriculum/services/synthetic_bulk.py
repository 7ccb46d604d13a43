"""Bulk writing for the synthetic population: COPY on PostgreSQL, executemany on SQLite.

Rows are buffered per table and written in chunks, parents before children, on the
session's connection, so everything stays in the caller's transaction (one commit or
one rollback). Ids are reserved before the rows are written (from the table's sequence
on PostgreSQL; after the highest id on SQLite, once this transaction holds the write
lock), so children can name their parents without reading anything back. No ORM object
is made, so the summaries' flush hook sees none of these rows: the caller counts them.
"""

from sqlalchemy import func, insert, select, text

from curriculum.extensions import db

CHUNK = 10_000


class Ids:
    """Hands out ids of one table that no other writer can take."""

    def __init__(self, conn, table):
        self.conn, self.table = conn, table
        self.postgresql = conn.dialect.name == "postgresql"
        self.pool: list[int] = []
        self.next_id = None

    def take(self) -> int:
        if self.postgresql:
            if not self.pool:
                self.pool = list(
                    self.conn.execute(
                        text(
                            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                            "FROM generate_series(1, :n)"
                        ),
                        {"t": self.table.name, "n": CHUNK},
                    ).scalars()
                )
                self.pool.reverse()
            return self.pool.pop()
        if self.next_id is None:  # SQLite: the caller holds the write lock (lock())
            highest = self.conn.execute(select(func.max(self.table.c.id))).scalar()
            self.next_id = (highest or 0) + 1
        self.next_id += 1
        return self.next_id - 1


def lock(conn) -> None:
    """On SQLite, take the database's write lock now, so that reserved ids stay free."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("UPDATE users SET id = id WHERE 1 = 0"))


class Writer:
    """Buffers rows (dicts) per table and writes them in chunks, in `order`."""

    def __init__(self, models):
        self.conn = db.session.connection()
        self.order = [m.__table__ for m in models]
        self.buffers: dict = {t: [] for t in self.order}
        self.counts: dict = {t.name: 0 for t in self.order}
        self.pending = 0
        self.ids = {t: Ids(self.conn, t) for t in self.order if "id" in t.c}
        lock(self.conn)

    def new_id(self, model) -> int:
        return self.ids[model.__table__].take()

    def add(self, model, row: dict) -> None:
        self.buffers[model.__table__].append(row)
        self.pending += 1
        if self.pending >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for table in self.order:
            rows = self.buffers[table]
            if rows:
                self._write(table, rows)
                self.counts[table.name] += len(rows)
                self.buffers[table] = []
        self.pending = 0

    def analyze(self) -> None:
        """Give PostgreSQL's planner the new sizes (the summaries read these tables)."""
        if self.conn.dialect.name == "postgresql":
            for table in self.order:
                if self.counts[table.name]:
                    self.conn.execute(text(f"ANALYZE {table.name}"))

    def _write(self, table, rows: list[dict]) -> None:
        if self.conn.dialect.name != "postgresql":
            self.conn.execute(insert(table), rows)
            return
        columns = [
            c
            for c in table.columns
            if c.name in rows[0]
            or (c.default is not None and not c.default.is_sequence)
        ]
        dialect = self.conn.dialect
        convert = [c.type.bind_processor(dialect) for c in columns]
        defaults = [_default(c) for c in columns]
        names = ", ".join(f'"{c.name}"' for c in columns)
        cursor = self.conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for c, process, default in zip(columns, convert, defaults, strict=True):
                    value = row[c.name] if c.name in row else default()
                    values.append(process(value) if process else value)
                copy.write_row(values)


def _default(column):
    """Return a function giving a column's Python-side default, as an insert would."""
    default = column.default
    if default is None:
        return lambda: None
    if default.is_callable:
        return lambda: default.arg(None)
    return lambda: default.arg
