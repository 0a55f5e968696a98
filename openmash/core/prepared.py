"""Queries whose SQL is compiled once per process, then run with each request's values (ADR 0040).

Django builds a query's SQL anew every time it runs: for a case with its referral, screener and
destruction record that is about a millisecond of CPU, more than the database takes to answer it. The
queries every page runs (the signed-in user, the object the page is about) have the same shape each time;
only the values in their conditions change. A :class:`Prepared` query is built once from a function
that puts a :class:`Param` where a value goes; its SQL, the columns it selects and how Django maps them
to objects are kept per database connection, and each run puts the values in place of the parameters and
hands the rows to Django's own object building, so ``select_related`` and ``prefetch_related`` work as
on any queryset.

It is safe only because nothing else can change the query: a run returns a list, not a queryset to
filter further. With ``OPENMASH_CHECK_PREPARED`` on (the test settings), the first run on each database
with each kind of value (a UUID, a string, an int for each parameter) also builds and compiles the query
afresh with its values written in, and refuses to go on if the SQL or its values differ from the kept
ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections, router
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.sql import InsertQuery, Query

M = TypeVar("M", bound=Model)
R = TypeVar("R")  # what a run gives: model objects, or value tuples

# Set while a prepared query or insert is sent: PostgreSQL then keeps its plan (ADR 0042).
PLANNED_ONCE: ContextVar[bool] = ContextVar("planned_once", default=False)


def planned_cursor(connection: Any) -> Any:
    """A cursor whose statements are sent prepared on PostgreSQL, each connection keeping its plan
    (ADR 0042): for a statement a page sends every time, planned the same way whatever its values."""
    token = PLANNED_ONCE.set(True)
    try:
        return connection.cursor()
    finally:
        PLANNED_ONCE.reset(token)


# In the check, parameters compile to their values, as if the query had been written with them.
_WRITTEN_IN: ContextVar[Mapping[str, Any] | None] = ContextVar("prepared_written_in", default=None)


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where a parameter's value goes in the compiled SQL's values."""

    name: str
    field: Field[Any, Any]


class Param(Expression):
    """A value given at each run: ``Case.objects.filter(pk=Param("pk", UUIDField()))``."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def __repr__(self) -> str:
        return f"Param({self.name!r})"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        written = _WRITTEN_IN.get()
        if written is not None:
            return "%s", (_prepare(self.output_field, written[self.name], connection),)
        return "%s", (_Slot(self.name, self.output_field),)

    def get_group_by_cols(self) -> list[Any]:
        return []


def _prepare(field: Field[Any, Any], value: object, connection: Any) -> Any:
    if value is None:
        # `= NULL` matches nothing, where Django writes `filter(x=None)` as `IS NULL`: refused, not
        # answered differently from the query it stands for.
        raise TypeError("a prepared query's parameter cannot be None")
    return field.get_db_prep_value(value, connection, prepared=False)


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    select: Any
    klass_info: Any
    annotation_col_map: Any
    col_count: int
    has_extra_select: bool
    names: frozenset[str]
    converters: Any
    has_composite: bool


class _PreparedQuery(Query):
    """A query that compiles to the kept SQL, its parameters filled in (see :class:`Prepared`)."""

    prepared_run: tuple[_Compiled, Mapping[str, Any]] | None = None

    def get_compiler(self, using: Any = None, connection: Any = None, elide_empty: bool = True) -> Any:
        compiler = super().get_compiler(using, connection, elide_empty)
        run = self.prepared_run
        if run is not None:
            compiler.__class__ = _kept_compiler(type(compiler))
            compiler.prepared_run = run
        return compiler


_COMPILERS: dict[type, type] = {}


def _kept_compiler(base: type) -> type:
    kept = _COMPILERS.get(base)
    if kept is None:

        class Kept(base):
            prepared_run: tuple[_Compiled, Mapping[str, Any]]

            def as_sql(
                self, with_limits: bool = True, with_col_aliases: bool = False
            ) -> tuple[str, list[Any]]:
                compiled, values = self.prepared_run
                self.select = compiled.select
                self.klass_info = compiled.klass_info
                self.annotation_col_map = compiled.annotation_col_map
                self.col_count = compiled.col_count
                self.has_extra_select = compiled.has_extra_select
                connection = self.connection
                return compiled.sql, [
                    _prepare(p.field, values[p.name], connection) if isinstance(p, _Slot) else p
                    for p in compiled.params
                ]

            def get_converters(self, expressions: Any) -> Any:
                return self.prepared_run[0].converters

            def execute_sql(self, *args: Any, **kwargs: Any) -> Any:
                # The cursor is opened and the statement sent here; rows are fetched after.
                token = PLANNED_ONCE.set(True)
                try:
                    return super().execute_sql(*args, **kwargs)
                finally:
                    PLANNED_ONCE.reset(token)

            def has_composite_fields(self, expressions: Any) -> bool:
                return self.prepared_run[0].has_composite

        Kept.__name__ = Kept.__qualname__ = f"Kept{base.__name__}"
        kept = _COMPILERS.setdefault(base, Kept)
    return kept


class Prepared(Generic[R]):
    """A query built once by ``build`` (with a :class:`Param` for each value) and compiled once per
    database connection; ``run(**values)`` returns its objects."""

    def __init__(self, build: Callable[[], QuerySet[Any, R]]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, str], tuple[QuerySet[Any, R], _Compiled]] = {}
        self._asked_exists: Prepared[Any] | None = None
        self._checked: set[tuple[Any, ...]] = set()  # (alias, database, value types) checked once
        self._model: type[Model] | None = None
        self._spare: list[QuerySet[Any, R]] = []  # built to learn the model, and not compiled yet

    def _compiled(self, alias: str) -> tuple[QuerySet[Any, R], _Compiled]:
        connection = connections[alias]
        key = (alias, connection.settings_dict["NAME"] or "")
        kept = self._kept.get(key)
        if kept is None:
            spare = self._take_spare()
            queryset = spare if spare is not None else self._build()  # (a queryset's truth runs it)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            selected = [s[0] for s in compiler.select[0 : compiler.col_count]]
            compiled = _Compiled(
                sql=sql,
                params=tuple(params),
                select=compiler.select,
                klass_info=compiler.klass_info,
                annotation_col_map=compiler.annotation_col_map,
                col_count=compiler.col_count,
                has_extra_select=compiler.has_extra_select,
                names=frozenset(p.name for p in params if isinstance(p, _Slot)),
                converters=compiler.get_converters(selected),
                has_composite=compiler.has_composite_fields(selected),
            )
            with self._lock:
                kept = self._kept.setdefault(key, (queryset, compiled))
        return kept

    @property
    def model(self) -> type[Model]:
        if self._model is None:
            queryset = self._build()
            self._model = queryset.model
            with self._lock:
                self._spare.append(queryset)
        return self._model

    def run(self, **values: Any) -> list[R]:
        alias = router.db_for_read(self.model)
        queryset, compiled = self._compiled(alias)
        if set(values) != compiled.names:
            raise TypeError(f"this query takes {sorted(compiled.names)}, not {sorted(values)}")
        if getattr(settings, "OPENMASH_CHECK_PREPARED", False):
            self._check_once(compiled, values, alias)
        return list(_for_one_run(queryset, (compiled, values)))

    def _check_once(self, compiled: _Compiled, values: Mapping[str, Any], alias: str) -> None:
        """The kept SQL against a fresh compile, once for each database and each kind of value given
        (a value's type can change the SQL a field writes; the value itself cannot)."""
        signature = (
            alias,
            connections[alias].settings_dict["NAME"] or "",
            tuple(sorted((name, type(value)) for name, value in values.items())),
        )
        if signature in self._checked:
            return
        _check(self._build, compiled, values, alias)
        with self._lock:
            self._checked.add(signature)

    def exists(self, **values: Any) -> bool:
        """Whether the query finds a row (it is asked as ``.exists()`` asks: one row, one column)."""
        return bool(self._exists().run(**values))

    def _exists(self) -> Prepared[Any]:
        if self._asked_exists is None:
            build = self._build
            self._asked_exists = Prepared(lambda: build().order_by().values_list("pk")[:1])
        return self._asked_exists

    def first(self, **values: Any) -> R | None:
        found = self.run(**values)
        return found[0] if found else None

    def _take_spare(self) -> QuerySet[Any, R] | None:
        with self._lock:
            return self._spare.pop() if self._spare else None


def _for_one_run(queryset: QuerySet[Any, R], run: tuple[_Compiled, Mapping[str, Any]]) -> QuerySet[Any, R]:
    """The kept queryset for one run: its attributes copied, not cloned as ``.all()`` clones them (a
    clone copies the query's every part, which the kept SQL makes unused). Its query is a
    :class:`_PreparedQuery` carrying this run's values; the parts both share are only read."""
    query = object.__new__(_PreparedQuery)
    query.__dict__.update(queryset.query.__dict__)
    query.prepared_run = run
    rows = object.__new__(type(queryset))
    rows.__dict__.update(queryset.__dict__, _query=query, _result_cache=None, _prefetch_done=False)
    return rows


def _check(
    build: Callable[[], QuerySet[Any]], compiled: _Compiled, values: Mapping[str, Any], alias: str
) -> None:
    """The kept SQL and values, against the query built and compiled afresh with the values written in."""
    token = _WRITTEN_IN.set(values)
    try:
        sql, params = build().query.get_compiler(using=alias).as_sql()
    finally:
        _WRITTEN_IN.reset(token)
    connection = connections[alias]
    kept = [
        _prepare(p.field, values[p.name], connection) if isinstance(p, _Slot) else p for p in compiled.params
    ]
    if sql != compiled.sql or list(params) != kept:
        raise AssertionError(
            f"a prepared query's kept SQL differs from its fresh compile:\n{compiled.sql}\n{sql}"
        )


class PreparedInsert(Generic[M]):
    """Rows of one model written by an INSERT built once per database and number of rows (ADR 0040).

    Every page that shows personal data writes its audit event, and a page that shows agencies' returns
    writes a disclosure log line for each and whom they were about; Django's compiler builds each of
    those INSERTs anew, which costs more CPU than the database takes to run them. ``insert(objs)`` writes
    the objects' fields as Django's ``bulk_create`` would (each value through the field's ``pre_save``
    and ``get_db_prep_save``), in one statement, and gives each object the key the database chose. No
    signals are sent, as with ``bulk_create``. With ``OPENMASH_CHECK_PREPARED`` on, the first insert on
    each database also compiles Django's own INSERT of the first object and refuses to go on if its SQL
    or values differ from the kept statement's.
    """

    def __init__(self, model: type[M]) -> None:
        self._model = model
        meta = model._meta
        self._returning = meta.pk if meta.pk is not None and meta.pk.db_returning else None
        self._fields = [f for f in meta.concrete_fields if f is not self._returning and not f.generated]
        self._kept: dict[tuple[str, str, int], str] = {}
        self._checked: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def insert_values(self, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Rows given as their fields' values, ``names`` naming the fields in the order written: for a
        table of keys only (a many-to-many table's rows), where building a model object for each row
        costs more than writing it. Each value goes through its field's ``get_db_prep_save``; no
        ``pre_save`` runs and no key is read back."""
        alias = router.db_for_write(self._model)
        connection = connections[alias]
        params = self._value_rows(names, rows, connection)
        if not rows:
            return
        # Checked (in the tests) as the first row's model object would be written: its values, its SQL.
        self._send(connection, alias, len(rows), params, sample=self._value_sample(rows))

    def _value_rows(self, names: Sequence[str], rows: Sequence[Sequence[Any]], connection: Any) -> list[Any]:
        if [f.name for f in self._fields] != list(names):
            raise TypeError(f"this insert writes {[f.name for f in self._fields]}, not {list(names)}")
        return [
            field.get_db_prep_save(value, connection)
            for row in rows
            for field, value in zip(self._fields, row, strict=True)
        ]

    def _value_sample(self, rows: Sequence[Sequence[Any]]) -> M:
        """The first row as a model object, for the check against Django's compile."""
        return self._model(**{f.attname: value for f, value in zip(self._fields, rows[0], strict=True)})

    def insert(self, objs: Sequence[M]) -> None:
        if not objs:
            return
        alias = router.db_for_write(self._model)
        connection = connections[alias]
        params = [self._value(field, obj, connection) for obj in objs for field in self._fields]
        self._send(connection, alias, len(objs), params, sample=objs[0], objs=objs)

    def insert_linked(
        self, objs: Sequence[M], link: PreparedInsert[Any], names: Sequence[str], others: Sequence[Any]
    ) -> None:
        """``objs``, and a row of ``link`` (a many-to-many table) joining each of them to each of ``others``;
        ``names`` are ``link``'s two fields as :meth:`insert_values` takes them, the one pointing at
        ``objs`` first. On PostgreSQL in one statement: the objects' INSERT in a WITH, whose keys the
        link rows take and the statement gives back (one round trip, not two; the foreign keys are
        checked when the transaction commits, as Django makes them deferrable). Elsewhere, or for objects
        whose keys are not chosen by the database, one INSERT after the other."""
        if not objs:
            return
        alias = router.db_for_write(self._model)
        connection = connections[alias]
        if not others or connection.vendor != "postgresql" or self._returning is None:
            self.insert(objs)
            link.insert_values(names, [(obj.pk, other) for obj in objs for other in others])
            return
        params = [self._value(field, obj, connection) for obj in objs for field in self._fields]
        first = self._statement(connection, alias, len(objs), params, objs[0])
        rows = [(objs[0].pk, others[0])]
        link._check_once(alias, link._value_rows(names, rows, connection), link._value_sample(rows))
        own, other = (link._model._meta.get_field(name) for name in names)
        values = [other.get_db_prep_save(value, connection) for value in others]
        quote = connection.ops.quote_name
        key = quote(self._returning.column or self._returning.attname)
        # Names from the models, quoted; every value is a parameter.
        sql = (
            f"WITH written AS ({first}), linked AS (INSERT INTO {quote(link._model._meta.db_table)}"  # noqa: S608
            f" ({quote(own.column)}, {quote(other.column)}) SELECT written.{key}, others.value FROM written"
            f" CROSS JOIN (VALUES {', '.join(['(%s)'] * len(values))}) AS others (value))"
            f" SELECT {key} FROM written"
        )
        self._execute(connection, alias, sql, params + values, objs)

    def _statement(self, connection: Any, alias: str, count: int, params: list[Any], sample: M) -> str:
        """The kept INSERT of ``count`` rows (checked once: :meth:`_check_once`)."""
        database = connection.settings_dict["NAME"] or ""
        key = (alias, database, count)
        sql = self._kept.get(key)
        if sql is None:
            sql = self._sql(connection, count)
            with self._lock:
                sql = self._kept.setdefault(key, sql)
        self._check_once(alias, params, sample)
        return sql

    def _check_once(self, alias: str, params: list[Any], sample: M) -> None:
        """With OPENMASH_CHECK_PREPARED, the first write on each database checks the kept one-row INSERT
        against Django's compile of ``sample``, whose values ``params`` begins with."""
        database = connections[alias].settings_dict["NAME"] or ""
        if getattr(settings, "OPENMASH_CHECK_PREPARED", False) and (alias, database) not in self._checked:
            self._check(sample, alias, params[: len(self._fields)])
            with self._lock:
                self._checked.add((alias, database))

    def _send(
        self,
        connection: Any,
        alias: str,
        count: int,
        params: list[Any],
        *,
        sample: M,
        objs: Sequence[M] = (),
    ) -> None:
        """Write ``count`` rows' ``params``; ``objs`` (if given) get the keys the database chose."""
        self._execute(
            connection, alias, self._statement(connection, alias, count, params, sample), params, objs
        )

    def _execute(self, connection: Any, alias: str, sql: str, params: list[Any], objs: Sequence[M]) -> None:
        """Run a kept statement; ``objs`` get the keys it gives back, in order, and are saved."""
        with planned_cursor(connection) as cursor:
            cursor.execute(sql, params)
            if self._returning is not None and objs:
                for obj, row in zip(objs, cursor.fetchall(), strict=True):
                    setattr(obj, self._returning.attname, row[0])
        for obj in objs:
            obj._state.adding = False
            obj._state.db = alias

    @staticmethod
    def _value(field: Field[Any, Any], obj: Model, connection: Any) -> Any:
        value = field.pre_save(obj, add=True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"a prepared insert writes values, not expressions ({field.name})")
        return field.get_db_prep_save(value, connection)

    def _sql(self, connection: Any, rows: int) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self._fields)
        row = "(" + ", ".join(["%s"] * len(self._fields)) + ")"
        # Table and column names from the model, quoted; every value is a parameter.
        table = quote(self._model._meta.db_table)
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * rows)}"  # noqa: S608
        if self._returning is not None:
            returning, _ = connection.ops.returning_columns([self._returning])
            sql = f"{sql} {returning}"
        return sql

    def _check(self, obj: M, alias: str, params: list[Any]) -> None:
        """The kept one-row INSERT against Django's own compile of the same object."""
        query = InsertQuery(self._model)
        query.insert_values(self._fields, [obj])
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = [self._returning] if self._returning is not None else None
        [(sql, fresh)] = compiler.as_sql()
        kept = self._sql(connections[alias], 1)
        if sql != kept or [_comparable(v) for v in fresh] != [_comparable(v) for v in params]:
            raise AssertionError(f"a prepared insert differs from Django's compile:\n{kept}\n{sql}")


def _comparable(value: Any) -> Any:
    """A value as the database gets it, to compare: an adapter built for each insert (PostgreSQL's JSON
    wrapper) by its type and what it wraps."""
    wrapped = getattr(value, "obj", None)
    return (type(value), wrapped) if wrapped is not None else value


def as_prefetched(instance: Model, name: str, rows: list[Any]) -> None:
    """Keep ``rows``, the objects on the other side of ``instance``'s reverse foreign key or many-to-many
    field ``name`` read by a prepared query, as ``prefetch_related(name)`` keeps them:
    ``instance.<name>.all()`` gives them without a query, and (a foreign key) each row's key gives
    ``instance`` back."""
    manager = getattr(instance, name)
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    many = hasattr(manager, "prefetch_cache_name")
    cache_name = _cache_name(manager)
    cache.pop(cache_name, None)
    queryset = manager.get_queryset()  # filtered to the instance, for anything that filters it further
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache[cache_name] = queryset
    if not many:
        for row in rows:
            manager.field.set_cached_value(row, instance)


def _cache_name(manager: Any) -> str:
    """Where ``prefetch_related`` keeps a related manager's rows on its instance."""
    many = hasattr(manager, "prefetch_cache_name")
    return str(manager.prefetch_cache_name if many else manager.field.remote_field.cache_name)


def is_kept(instance: Model, name: str) -> bool:
    """Whether ``prefetch_related`` or :func:`as_prefetched` kept the rows of ``instance``'s related
    manager ``name`` (the page read them already)."""
    return _cache_name(getattr(instance, name)) in getattr(instance, "_prefetched_objects_cache", {})


def kept_rows(instance: Model, name: str) -> list[Any] | None:
    """The rows of ``instance``'s related manager ``name`` kept by ``prefetch_related`` or
    :func:`as_prefetched`, or None if none were kept."""
    return list(getattr(instance, name).all()) if is_kept(instance, name) else None


def as_related_one(instance: Model, name: str, row: Model | None) -> None:
    """Keep ``row`` (or its absence) as ``instance``'s reverse one-to-one ``name``, as
    ``prefetch_related(name)`` keeps it."""
    related = type(instance)._meta.get_field(name)
    related.set_cached_value(instance, row)  # type: ignore[union-attr]
    if row is not None:
        related.field.set_cached_value(row, instance)  # type: ignore[union-attr]


def pointing_at(rows: list[M], name: str, instance: Model) -> list[M]:
    """``rows`` with their foreign key ``name`` holding ``instance`` (which they were read by), as a
    related manager's query leaves them, so reading it back costs no query."""
    if rows:
        field = type(rows[0])._meta.get_field(name)
        for row in rows:
            field.set_cached_value(row, instance)  # type: ignore[union-attr]
    return rows


def as_prefetched_each(parents: list[Any], name: str, read: Callable[[], Iterable[Any]]) -> None:
    """Keep the rows ``read`` gives (read once for all ``parents``, and only if there are any) as each
    parent's reverse foreign key ``name``, each parent given the rows whose key points at it."""
    if not parents:
        return
    attname = getattr(parents[0], name).field.attname
    rows: dict[object, list[Any]] = {parent.pk: [] for parent in parents}
    for row in read():
        rows[getattr(row, attname)].append(row)
    for parent in parents:
        as_prefetched(parent, name, rows[parent.pk])
