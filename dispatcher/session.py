"""A dispatch session, without Qt: the board, its undo history and its board file.

Every change to the board goes through :meth:`Session.apply`: the change (a :class:`Change`,
an action as data) is made on the :class:`~dispatcher.board.Board` (which refuses bad ones
with a reason), the touched objects are captured before and after, and a
:class:`~dispatcher.history.Step` lands on the history. Undo and redo put those captures back.

Write-through: with a board file open, every action (assign by hand, accept one or all,
unassign, edit, import, and their undo/redo) is committed to the file *before* the board
shows it, one SQLite transaction per action (accept all included). If the file refuses
(another desk took the load first) the action is not applied, the reason is told, and the
file is read again. :meth:`Session.poll` (the desk calls it every 2 s) checks the file's
revision (one indexed SELECT) and takes in other desks' committed changes.

Who does the I/O: small steps (a drop, an edit; 1-3 ms) are written on the caller's (UI)
thread, big ones (:mod:`dispatcher.writes`) by a job on the store's own connection; until
the commit the board stays as it was and the session is ``WRITING``: it refuses every other
change (with the reason) and the revision check pauses, so only one thread ever uses that
connection. Cancel stops a write only before its commit point (nothing written); closing the
file while a write runs closes it after the write. Taking in other
desks' changes reads the file in a background job on a second (read) connection and works
out the differences there; the session only applies them, and throws the read away if the
board changed meanwhile (it reads again).

History after another desk's changes: steps that touch only objects the other desk did not
change stay undoable (the store still checks each undo against the file, so a stale step is
refused, never applied over newer work); if the other desk touched an object of a step, or
reshaped the board (import, whole save), the history is cleared and the notice says so.

The session runs its jobs through a :class:`~freightlab.jobs.Jobs` runner and tells its view
what happened through :class:`SessionView`; the desk is one such view, the tests another.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dispatcher.actions import Change
from dispatcher.board import Board, BoardError, Capture
from dispatcher.costs import MatchSettings
from dispatcher.history import History, Step
from dispatcher.routes import RouteGraph
from dispatcher.session_view import QuietView, SessionView
from dispatcher.store import ActionRecord, BoardStore
from dispatcher.sync import Synced, read_differences
from dispatcher.writes import ASYNC_MIN_OBJECTS, Prepare, Written, big_step, write_to, write_work
from freightlab.jobs import Job, Jobs
from freightlab.memory import freeze_long_lived
from freightlab.progress import Progress
from freightlab.resources import default_map_path

#: A write that waits longer than this for another desk's transaction is refused (UI thread).
UI_BUSY_TIMEOUT_MS = 1500


class DeskState(enum.Enum):
    """What the board file is doing. Board changes are refused while ``WRITING`` or
    ``SAVING``; while ``SYNCING`` (a read in flight) they go on and make that read stale."""

    IDLE = "idle"
    WRITING = "writing"  # a job writes a step to the board file
    SAVING = "saving"  # a Save As copies the board to a new file
    SYNCING = "syncing"  # a job reads other desks' changes


@dataclass
class _Write:
    """The write in flight (state WRITING)."""

    text: str
    stop: Progress
    close_after: bool = False


@dataclass
class _Read:
    """A read of other desks' changes: wanted (queued) or in flight."""

    quiet: bool = False  # it follows a refusal: extend the refusal's notice
    callbacks: list[Callable[[int], None]] = field(default_factory=list)


def _tell(then: Callable[[str | None], None] | None, reason: str | None) -> str | None:
    if then is not None:
        then(reason)
    return reason


class Session:
    """One board, its history and (optionally) the board file it writes through to."""

    def __init__(
        self,
        jobs: Jobs,
        defer: Callable[[Callable[[], None]], None],
        owner: str,
        view: SessionView | None = None,
    ) -> None:
        self.jobs = jobs
        self.defer = defer  # run a callable soon, after the current event (a Qt timer)
        self.owner = owner
        self.view: SessionView = view or QuietView()
        self.graph: RouteGraph | None = None
        self.board = Board()
        self.settings = MatchSettings()
        self.history = History()
        self.state = DeskState.IDLE
        self.path: Path | None = None
        self.name = "Untitled board"
        self.map_path: Path | None = None
        self.revision = 0
        self._store: BoardStore | None = None
        self._reader: BoardStore | None = None  # the read connection, between reads
        self._write: _Write | None = None
        self._read: _Read | None = None  # the read in flight
        self._wanted: _Read | None = None  # a read asked for while the file was busy
        self._generation = 0  # bumped by every board change: a read started before is stale

    # ------------------------------------------------------------------ document
    @property
    def store(self) -> BoardStore | None:
        """The open board file every action is written through to (None: untitled)."""
        return self._store

    @property
    def dirty(self) -> bool:
        """Unsaved work exists only without a board file: with one, every action is already
        committed to it (write-through)."""
        return self._store is None and not self.history.is_clean()

    def writing(self) -> str | None:
        """The step a job is writing to the board file (shown once committed), or None."""
        return self._write.text if self._write is not None else None

    def reading(self) -> bool:
        """A read of the board file is in flight or asked for."""
        return self._read is not None or self._wanted is not None

    def open(
        self,
        graph: RouteGraph,
        board: Board,
        path: Path | None,
        name: str,
        revision: int,
        store: BoardStore | None,
    ) -> None:
        """A new document (start-up, open): fresh history, clean state."""
        self.graph = graph
        self.board = board
        board.nodes = frozenset(graph.nodes)
        self.path = path
        self.name = name or self.name
        self.revision = revision
        self.use_store(store)
        self.map_path = Path(graph.source) if graph.source else None
        self.history.clear()
        self._generation += 1

    def map_name(self) -> str:
        return str(self.map_path or default_map_path())

    def use_store(self, store: BoardStore | None) -> None:
        """Switch write-through to ``store`` (None: no file; the board lives in memory)."""
        old, self._store = self._store, store
        if old is not None and old is not store:
            old.close()
        if self._reader is not None:  # a reader in a running read is closed when it ends
            self._reader.close()
            self._reader = None
        if store is None:
            self.view.polling(False)
            return
        store.owner = self.owner
        store.set_busy_timeout(UI_BUSY_TIMEOUT_MS)
        self.revision = store.revision
        self.view.polling(True)

    def close_store(self) -> None:
        """Close the board file (the board goes on untitled). While a write runs, the file is
        closed once it is committed (and shown) or refused: closing never leaves a write
        half-seen."""
        if self._write is not None:
            self._write.close_after = True
            self.view.tell(
                f"The board file closes once \u201c{self._write.text}\u201d is written", False
            )
            return
        self.use_store(None)
        self.path = None
        self.view.state_changed()

    def save_as(self, target: Path, after: Callable[[BoardStore], None]) -> None:
        """Copy the board to ``target`` in a job (one SQLite transaction), then write every
        later action through to that file; ``after(store)`` once it is the board file."""
        snap = self.board.to_snapshot(self.name, self.map_name())
        owner = self.owner

        def work(_progress: Progress) -> BoardStore:
            return BoardStore.create(target, snap, owner=owner, overwrite=True, any_thread=True)

        def done(store: BoardStore) -> None:
            self._set_state(DeskState.IDLE)
            self.path = target
            self.use_store(store)
            self.history.set_clean()
            after(store)
            self.view.state_changed()

        def ended(message: str = "") -> None:
            self._set_state(DeskState.IDLE)
            self.view.tell(message or "Cancelled", error=bool(message))

        self._set_state(DeskState.SAVING)  # no change may slip between snapshot and switch
        self.jobs.run(Job(f"Saving {target.name}…", work, done, ended, ended))

    # ------------------------------------------------------------------ changing
    def refusal(self) -> str | None:
        """Why no board change may start now, or None."""
        if self.state is DeskState.SAVING:
            return "the board is being saved to a new file; try again in a moment"
        if self._write is not None:
            name = self._store.path.name if self._store is not None else "the board file"
            return (
                f"\u201c{self._write.text}\u201d is still being written to {name}; "
                "try again when it is done"
            )
        return None

    def apply(self, change: Change, then: Callable[[str | None], None] | None = None) -> str | None:
        """Make a change undoable; returns the refusal reason, or None when it was done.

        With a board file open, a big step is checked against the board here, then written
        by a job: the board stays as it was (a change is shown only once committed), the
        session is WRITING and refuses other changes, and ``then(reason)`` runs once the file
        committed it (None: now shown and undoable) or refused it. Otherwise the outcome is
        known at once; ``then`` gets it too."""
        reason = self.refusal()
        if reason is not None:
            return _tell(then, reason)
        self._generation += 1
        if self._store is not None and (change.full or change.size() >= ASYNC_MIN_OBJECTS):
            self._change_in_job(change, then)
            return None
        board = self.board
        before = board.capture_all() if change.full else board.capture(change.trucks, change.loads)
        try:
            change.op(board)
        except BoardError as exc:
            board.restore(before)
            return _tell(then, str(exc))
        after = board.capture_all() if change.full else board.capture(before.trucks, before.loads)
        if self._store is not None:
            refused = self._write_now(before, after)
            if refused is not None:
                board.restore(before)  # never shown: no refresh happened in between
                self._after_refusal()
                return _tell(then, refused)
        self.history.push(Step(change.text, before, after))
        self._changed(after)
        return _tell(then, None)

    def _change_in_job(self, change: Change, then: Callable[[str | None], None] | None) -> None:
        """A big step on a board file: checked, captured and written by a job.

        The job runs ``op`` on a scratch board (the board's dicts, with copies of the objects
        the step touches), so the board itself is only read; nothing changes it meanwhile,
        since every board change is refused while a write runs. Once committed, the board
        adopts the job's copy of the new state (no copying on the UI thread)."""
        board, full = self.board, change.full

        def prepare() -> tuple[Capture, Capture] | str:
            scratch = board.shallow()
            # the board's own objects: it drops them when it adopts the new state, so the
            # step's "before" is never changed afterwards
            before = (
                scratch.capture_all(copy=False)
                if full
                else scratch.capture(change.trucks, change.loads, copy=False)
            )
            scratch.restore(before)  # copies: the op must not touch the board's objects
            try:
                change.op(scratch)
            except BoardError as exc:
                return str(exc)
            after = (
                scratch.capture_all(copy=False)
                if full
                else scratch.capture(before.trucks, before.loads, copy=False)
            )
            return before, after

        def written(outcome: Written) -> None:
            if outcome.refused is None:
                assert outcome.before and outcome.after and outcome.shown
                board.restore(outcome.shown, adopt=True)
                self.history.push(Step(change.text, outcome.before, outcome.after))
                self._changed(outcome.after)
            _tell(then, outcome.refused)

        self._start_write(change.text, prepare, written)

    def _changed(self, changed: Capture | None, reshaped: bool = False) -> None:
        self._generation += 1
        self.view.board_changed(changed, reshaped)

    # ------------------------------------------------------------------ undo and redo
    def undo(self) -> None:
        """Undo the last step (a big one on a board file is written by a job first)."""
        self._step("undo")

    def redo(self) -> None:
        self._step("redo")

    def _step(self, verb: str) -> None:
        reason = self.refusal()
        if reason is not None:
            self.view.tell(f"Cannot {verb}: {reason}")
            return
        step = self.history.next(verb)
        if step is None:
            return
        src, dst = step.ends(verb)
        if self._store is None or not big_step(step.before, step.after):
            if self._store is not None:  # small: written here (1-3 ms)
                refused = self._write_now(src, dst)
                if refused is not None:
                    self._step_refused(verb, refused)
                    return
            self.board.restore(dst)
            self.history.moved(verb)
            self._changed(dst)
            return

        def written(outcome: Written) -> None:
            # nothing else ran meanwhile (every change was refused): ``step`` is still next
            if outcome.refused is not None:
                self._step_refused(verb, outcome.refused)
                return
            assert outcome.shown is not None
            self.board.restore(outcome.shown, adopt=True)  # the job's copy: no copying here
            self.history.moved(verb)
            self._changed(dst)
            done = "Undone" if verb == "undo" else "Redone"
            self.view.tell(f"{done}: {step.text}", error=False)

        self._start_write(f"{verb.capitalize()} {step.text}", lambda: (src, dst), written)

    def _step_refused(self, verb: str, reason: str) -> None:
        """The file refused an undo/redo: the step leaves the history (it did not happen)."""
        self.history.drop(verb)
        self.view.tell(f"Cannot {verb}: {reason}")
        self._after_refusal()
        self.view.state_changed()

    # ------------------------------------------------------------------ write-through
    def _write_now(self, src: Capture, dst: Capture) -> str | None:
        """Commit ``src`` -> ``dst`` to the board file on this thread (small steps)."""
        store = self._store
        assert store is not None
        reason = write_to(store, src, dst, self.name, self.map_name(), self.board.day_start)
        if reason is None:
            if store.current_revision() != store.revision:
                self._want_read()  # other desks committed in between: take their work in
                self._read_if_wanted()
            self.revision = store.revision
        return reason

    def _start_write(self, text: str, prepare: Prepare, done: Callable[[Written], None]) -> None:
        """In a job: ``prepare()`` the step, write it to the board file and copy its new state;
        then ``done(outcome)`` (not called when cancelled or failed: nothing was shown, and
        the file is read again). Until then the session is WRITING: the store's connection
        belongs to the job and no board change, undo or redo may start, so the board the step
        was checked against stays the same."""
        store = self._store
        assert store is not None
        stop = Progress()
        name, map_path, day = self.name, self.map_name(), self.board.day_start

        work = write_work(store, prepare, stop, name, map_path, day)

        def finished(outcome: Written | None) -> None:
            write, self._write = self._write, None
            self._set_state(DeskState.SYNCING if self._read is not None else DeskState.IDLE)
            if outcome is None:  # cancelled or failed: the file is the truth, read it
                self._want_read()
            else:
                self.revision = store.revision
                if outcome.refused is not None and not outcome.by_board:
                    self._after_refusal()
                elif outcome.moved:
                    self._want_read()
                if outcome.refused is None:
                    self.view.tell(f"Written to {store.path.name}: {text}", error=False)
                done(outcome)
            self.view.state_changed()
            if outcome is not None and outcome.refused is None:
                freeze_long_lived()
            if write is not None and write.close_after:
                self.close_store()
            self._read_if_wanted()

        def failed(message: str) -> None:
            self.view.tell(message)
            finished(None)

        def cancelled() -> None:
            self.view.tell(f"Cancelled: nothing was written to {store.path.name}", False)
            finished(None)

        self._write = _Write(text, stop)
        self._set_state(DeskState.WRITING)
        self.jobs.run(
            Job(
                f"Writing {text} to {store.path.name}…",
                work,
                finished,
                failed,
                cancelled,
                stop,
                bar="Writing…",
            )  # one transaction: the notice says what
        )
        self.view.tell(
            f"Writing \u201c{text}\u201d to {store.path.name}… it shows once committed", False
        )

    def _set_state(self, state: DeskState) -> None:
        self.state = state
        self.view.state_changed()

    # ------------------------------------------------------------------ other desks
    def poll(self) -> bool:
        """The 2 s check: has another desk committed? One indexed SELECT (~20 µs); the board
        is read again (in a job) only when the revision moved. True when it did. Skipped
        while the file is being written, saved or read."""
        store = self._store
        if store is None or self.state is not DeskState.IDLE or self._read is not None:
            return False
        if not store.path.exists():  # moved or deleted under us: keep the board, say so
            name = store.path.name
            self.close_store()
            self.history.reset_clean()  # the board now lives only in this window
            self.view.state_changed()
            self.view.tell(
                f"{name} was moved or deleted. The board is safe in this window; "
                "save it (Ctrl+S) to keep it."
            )
            return False
        try:
            moved = store.current_revision() != store.revision
        except sqlite3.Error:
            return False
        if moved:
            self.sync()
        return moved

    def sync(self, then: Callable[[int], None] | None = None) -> bool:
        """Take in what other desks committed; ``then(n)`` gets how many of their actions
        arrived. False when there is no board file to read (``then(0)`` has run).

        A background job reads the whole board in one read transaction on its own
        connection (WAL: this desk's writes go on meanwhile) and works out what differs from
        the board; only that is then changed, so selections, scroll positions and untouched
        steps stay. A read that this desk's own changes overtook is thrown away and done
        again: it never puts back an older state."""
        wish = self._wanted or _Read()
        self._wanted = None
        if then is not None:
            wish.callbacks.append(then)
        store = self._store
        if store is None or self.state is DeskState.SAVING:
            self._read_done(wish, 0)
            return False
        if self._write is not None or self._read is not None:
            self._wanted = wish  # after the write / the read in flight
            return True
        reader, self._reader = self._reader, None
        since, generation = store.revision, self._generation
        mine, path, owner = self.board.shallow(), store.path, self.owner

        def work(_progress: Progress) -> Synced:
            return read_differences(reader, path, owner, since, mine)

        def done(res: Synced) -> None:
            self._on_read(wish, store, since, generation, res)

        def failed(message: str) -> None:
            self._read = None
            if message:
                self.view.tell(message)
            self._read_done(wish, 0)

        self._read = wish
        if self.state is DeskState.IDLE:
            self._set_state(DeskState.SYNCING)
        self.jobs.background(Job(f"Reading {path.name}", work, done, failed, lambda: failed("")))
        return True

    def _on_read(
        self, wish: _Read, store: BoardStore, since: int, generation: int, res: Synced
    ) -> None:
        """Apply what a read job found: only the objects that differ."""
        self._read = None
        if self.state is DeskState.SYNCING:
            self._set_state(DeskState.IDLE)
        if store is not self._store:  # the file was closed or replaced meanwhile
            if res.reader is not None:
                res.reader.close()
            self._read_done(wish, 0)
            return
        if self._reader is None:
            self._reader = res.reader
        elif res.reader is not None:
            res.reader.close()
        if res.error is not None:
            self.view.tell(res.error)
            self._read_done(wish, 0)
            return
        if self._write is not None or self._generation != generation or store.revision != since:
            self._want_read(wish)  # the board changed meanwhile: read again
            self._read_if_wanted()
            return
        store.revision = res.revision  # the board now holds everything up to it
        self.revision = res.revision
        theirs = [h for h in res.history if h.owner != store.owner]
        if res.trucks or res.loads or res.reshaped:
            self._take_in(res, theirs, wish.quiet)
        self._read_done(wish, len(theirs))

    def _take_in(self, res: Synced, theirs: list[ActionRecord], quiet: bool) -> None:
        assert res.capture is not None
        cleared = self.history.drop_touching(res.trucks, res.loads, res.reshaped)
        self.board.restore(res.capture, adopt=True)
        if res.reshaped:
            self._changed(None, reshaped=True)
        else:  # only the ids matter to the view
            self._changed(Capture(trucks=dict.fromkeys(res.trucks), loads=dict.fromkeys(res.loads)))
        if res.reshaped or len(res.trucks) + len(res.loads) >= ASYNC_MIN_OBJECTS:
            freeze_long_lived()
        owners = sorted({h.owner for h in theirs}) or ["another desk"]
        text = f"Board updated by {', '.join(owners)}: {len(theirs) or 'some'} change(s)"
        if cleared:
            text += "; undo history cleared (it touched the same trucks or loads)"
        shown = self.view.current_notice()
        if quiet and shown:
            self.view.tell(f"{shown}. Now showing the file: {text}")
        else:
            self.view.tell(text, error=False)

    def _read_done(self, wish: _Read, arrived: int) -> None:
        for callback in wish.callbacks:
            callback(arrived)
        self._read_if_wanted()

    def _after_refusal(self) -> None:
        """The file refused a step: read it again, keeping the refusal's notice (it names
        who changed the board) rather than replacing it with "Board updated by"."""
        self._want_read(_Read(quiet=True))
        self._read_if_wanted()

    def _want_read(self, wish: _Read | None = None) -> None:
        wanted = self._wanted or _Read()
        if wish is not None:
            wanted.quiet = wanted.quiet or wish.quiet
            wanted.callbacks.extend(wish.callbacks)
        self._wanted = wanted

    def _read_if_wanted(self) -> None:
        if self._wanted is not None and self._write is None and self._read is None:
            self.defer(self._start_wanted)

    def _start_wanted(self) -> None:
        if self._wanted is not None and self._write is None and self._read is None:
            self.sync()

    def after_read(self, then: Callable[[int], None]) -> bool:
        """Run ``then`` after the read in flight or asked for; False when there is none."""
        if self._read is not None:
            self._read.callbacks.append(then)
            return True
        if self._wanted is not None:
            self._wanted.callbacks.append(then)
            return True
        return False


__all__ = [
    "ASYNC_MIN_OBJECTS",
    "UI_BUSY_TIMEOUT_MS",
    "Change",
    "DeskState",
    "QuietView",
    "Session",
    "SessionView",
]
