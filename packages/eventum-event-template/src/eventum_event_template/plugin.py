"""The `template` event plugin: renders Jinja templates for each timestamp."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from random import Random
from typing import Any, ClassVar

from jinja2 import Environment, TemplateNotFound, TemplateSyntaxError

from eventum_core import ConfigError, PluginContext, Produced, TimestampBatch
from eventum_event_template.conditions import CheckContext
from eventum_event_template.config import (
    CsvSample,
    ItemsSample,
    ModeConfig,
    SampleConfig,
    TemplateEventConfig,
)
from eventum_event_template.counters import CounterPlan, counter_ops
from eventum_event_template.dispatch import (
    Dispatcher,
    DispatchSignal,
    DropSignal,
    ExhaustSignal,
    NextSignal,
)
from eventum_event_template.instants import instants
from eventum_event_template.modules import ModuleProvider, warm_up
from eventum_event_template.pickers import (
    AnyPicker,
    ChancePicker,
    CyclePicker,
    FsmPicker,
    Picker,
    make_picker,
)
from eventum_event_template.rendering import (
    CompiledTemplate,
    batch_template,
    error_location,
    make_environment,
    names_used,
    read_sources,
    template_facts,
)
from eventum_event_template.samples import Sample, csv_sample, items_sample, json_sample
from eventum_event_template.state import GLOBAL_STATE, GlobalState, State
from eventum_event_template.subprocess_runner import SubprocessRunner
from eventum_event_template.timetext import timestamp_texts
from eventum_event_template.usage import globals_usage


class Samples:
    """The `samples` global: `samples.name` or `samples['name']`."""

    def __init__(self, samples: dict[str, Sample]) -> None:
        self.__dict__.update(samples)

    def __getitem__(self, name: str) -> Sample:
        try:
            return self.__dict__[name]  # type: ignore[no-any-return]
        except KeyError:
            raise KeyError(f"no sample {name!r}") from None


def _load_sample(name: str, config: SampleConfig, context: PluginContext, rng: Any) -> Sample:
    if isinstance(config, ItemsSample):
        return items_sample(config.source, rng, name)
    path = context.resolve_path(config.source)
    if isinstance(config, CsvSample):
        return csv_sample(
            path,
            header=config.header,
            delimiter=config.delimiter,
            quotechar=config.quotechar,
            rng=rng,
            name=name,
        )
    return json_sample(path, rng=rng, name=name)


class _Failures:
    """Render errors of one batch, logged once per template with a count."""

    def __init__(self) -> None:
        self.count = 0
        self._by_alias: dict[str, tuple[int, str, str | None, int | None]] = {}

    def add(self, alias: str, message: str, file: str | None, line: int | None) -> None:
        self.count += 1
        seen = self._by_alias.get(alias)
        if seen is None:
            self._by_alias[alias] = (1, message, file, line)
        else:
            self._by_alias[alias] = (seen[0] + 1, *seen[1:])

    def log(self, logger: Any) -> None:
        for alias, (count, message, file, line) in self._by_alias.items():
            logger.error(
                "template render failed",
                template=alias,
                file=file,
                line=line,
                error=message,
                failed_events=count,
            )


def _open_world(cfg: ModeConfig, context: PluginContext, env: Environment) -> Any:
    """The world the config names (eventum-entities), its names added to every template."""
    if cfg.world is None:
        return None
    try:
        from eventum_entities.template import World
    except ImportError:
        raise ConfigError(
            "world: needs the eventum-entities distribution (pip install eventum-entities)"
        ) from None
    world = World(cfg.world, context, env)
    env.globals.update(world.names)
    return world


class TemplateEvent:
    """Renders the picked template(s) for each timestamp; see the package README."""

    Config: ClassVar[type[TemplateEventConfig]] = TemplateEventConfig
    process_state: ClassVar[GlobalState] = GLOBAL_STATE
    """`globals` of every template in the process (`ProcessState`: scenario endpoints)."""
    process_state_usage = staticmethod(globals_usage)
    """The `globals` keys a generator folder's templates write and read (scenario data flow)."""

    def __init__(self, config: TemplateEventConfig, context: PluginContext) -> None:
        cfg: ModeConfig = config.root
        self._log = context.logger
        rng = context.rng
        samples = {
            name: _load_sample(name, sample, context, rng) for name, sample in cfg.samples.items()
        }
        self.shared = State()
        self._env = env = make_environment(context.base_path, rng)
        env.globals.update(
            params=cfg.params,
            samples=Samples(samples),
            module=(modules := ModuleProvider(rng)),
            subprocess=SubprocessRunner(),
            shared=self.shared,
            globals=GLOBAL_STATE,
            dispatch=Dispatcher(),
        )
        self._world = _open_world(cfg, context, env)
        self._templates = {
            alias: self._compile(env, alias, str(spec.template.as_posix()), spec.vars)
            for alias, spec in cfg.template_specs().items()
        }
        self._picker = make_picker(cfg, rng)
        self._fsm = isinstance(self._picker, FsmPicker)
        first = next(iter(self._templates.values()))
        self._check = CheckContext(
            timestamp=datetime.now(UTC),
            tags=(),
            states={"locals": first.locals, "shared": self.shared, "globals": GLOBAL_STATE},
        )
        self._batchable = not self._fsm and all(t.batchable for t in self._templates.values())
        self._text_timestamps = all(t.text_timestamps for t in self._templates.values())
        self._exhausted = False
        sources = read_sources(env, env.list_templates(["jinja"]))
        uses = names_used(env, sources.values())
        self.movable = not uses(("globals",))
        """The instance may produce in a process of its own: no template touches the
        process-wide `globals`."""
        stateful: tuple[str, ...] = ("globals", "dispatch")
        if cfg.shared_scope == "generator":
            stateful += ("shared", "locals")
        self.parallel_safe = not isinstance(self._picker, CyclePicker | FsmPicker) and not uses(
            stateful
        )
        """Batches may go to separate processes: the picks do not run across batches and no
        template keeps state across events (`shared`, `locals`: unless `shared_scope` makes
        them per producer), touches process-wide `globals` or `dispatch`."""
        self._counters = None if self.parallel_safe else self._counter_plan(cfg, sources, uses, rng)
        self.planned = self._counters is not None
        """Batches may go to separate processes once this instance has planned their pieces:
        `shared` is counters only (see counters.py), one sequence wherever a piece renders."""
        self.cheap = self._batchable and not uses(("faker", "mimesis"))
        """Rendering costs less than sending events between processes: no worker helps."""
        segment = context.segment
        if (
            context.producer == 0  # not a producer of this process (`planned` ones' are one)
            and segment.count > 1
            and segment.index == segment.count - 1
            and cfg.shared_scope == "generator"
            and uses(("shared", "locals"))
        ):  # the last segment of a split run says it (the first may not know the run is split)
            self._log.warning(
                "templates use `shared` or `locals`: each segment of the run keeps its own, so a"
                " counter counts per segment; for one sequence run one segment (--segments 1),"
                " or say `shared_scope: producer` to mean it",
                segments=segment.count,
            )
        if self.movable and not self.cheap:  # event workers may be forked from here
            warm_up(modules, (source for source in sources.values() if source is not None))

    def _counter_plan(
        self,
        cfg: ModeConfig,
        sources: dict[str, str | None],
        uses: Callable[[tuple[str, ...]], bool],
        rng: Random,
    ) -> CounterPlan | None:
        """A plan of `shared` counters when every template's state is those alone (and the
        picks are random draws or `all`: none depends on state or runs on across batches).
        `sources` are the folder's template texts, `uses` what names they use."""
        env = self._env
        if (
            cfg.shared_scope != "generator"
            or self._world is not None
            or type(self._picker) not in (Picker, AnyPicker, ChancePicker)
            or uses(("locals", "globals", "dispatch"))
        ):
            return None
        rendered = {t.file for t in self._templates.values()}
        others = [source for name, source in sources.items() if name not in rendered]
        if names_used(env, others)(("shared",)):
            return None  # an included or imported file uses it
        ops = {
            alias: None
            if (source := sources.get(t.file)) is None
            else counter_ops(env, source, sources)
            for alias, t in self._templates.items()
        }
        if any(o is None for o in ops.values()) or not any(ops.values()):
            return None
        # Picks of its own: drawn here for every piece, whichever producer renders it.
        return CounterPlan(make_picker(cfg, Random(rng.getrandbits(64))), ops)  # type: ignore[arg-type]

    def plan(self, batch: TimestampBatch) -> tuple[Any, ...]:
        """The picks of a piece and `shared`'s values before it (`PlansAhead`)."""
        assert self._counters is not None
        return self._counters.plan(len(batch))

    @staticmethod
    def _compile(
        env: Environment, alias: str, name: str, vars_: dict[str, Any]
    ) -> CompiledTemplate:
        try:
            template = env.get_template(name)
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except TemplateNotFound as error:
            raise ConfigError(
                f"template {alias!r}: file not found: {error.name} (in {env.loader.searchpath})"  # type: ignore[union-attr]
            ) from None
        except TemplateSyntaxError as error:
            raise ConfigError(
                f"template {alias!r}: syntax error in {error.filename or name}, "
                f"line {error.lineno}: {error.message}"
            ) from None
        return CompiledTemplate(
            alias,
            name,
            template,
            render_vars={"vars": vars_},
            locals_=State(),
            batch=batch_template(env, source),
            fresh_context=template_facts(env, source).extends,
        )

    @property
    def local_states(self) -> dict[str, State]:
        return {alias: t.locals for alias, t in self._templates.items()}

    def produce(self, batch: TimestampBatch) -> Produced:
        if self._world is not None:
            return self._world.produce(batch, self._produce)  # type: ignore[no-any-return]
        return self._produce(batch)

    def keep(self, records: list[Any]) -> None:
        """The world's labels of the events the run kept (`KeepsRecords`): only a world's
        episode events carry records."""
        self._world.keep(records)

    def _produce(self, batch: TimestampBatch) -> Produced:
        if self._exhausted:
            return Produced([], exhausted=True)
        if not len(batch):
            return Produced([])
        tags = batch.tags()
        if batch.plan is not None:  # planned here or by the instance that sent the piece
            picks, start = batch.plan
            self.shared.clear()
            self.shared.update(start)
            return self._produce_each(instants(batch.datetimes()), tags, picks)
        if self._batchable:
            texts = None
            if self._text_timestamps:
                texts = timestamp_texts(batch.timestamps, batch.timezone)
            events = self._produce_batch(texts or batch.datetimes(), tags)
            if events is not None:
                return Produced(events)
        return self._produce_each(instants(batch.datetimes()), tags)

    def _produce_batch(
        self, timestamps: Sequence[datetime | str], tags: list[tuple[str, ...]]
    ) -> list[str] | None:
        picks = self._picker.pick_batch(len(timestamps))
        templates = self._templates
        if picks is None:  # mode `all`
            rendered = [t.render_batch(timestamps, tags) for t in templates.values()]
            if any(r is None for r in rendered):
                return None
            if len(rendered) == 1:
                return rendered[0]
            return [event for events in zip(*rendered, strict=True) for event in events]
        indices: dict[str, list[int]] = {}
        for i, alias in enumerate(picks):
            indices.setdefault(alias, []).append(i)
        events: list[str] = [""] * len(timestamps)
        for alias, positions in indices.items():
            part = templates[alias].render_batch(
                [timestamps[i] for i in positions], [tags[i] for i in positions]
            )
            if part is None:
                return None
            for i, event in zip(positions, part, strict=True):
                events[i] = event
        return events

    def _produce_each(
        self,
        timestamps: Sequence[datetime],
        tags: Sequence[tuple[str, ...]],
        picks: Sequence[str] | None = None,
    ) -> Produced:
        templates = self._templates
        pick: Callable[[CheckContext], tuple[str, ...]] = self._picker.pick
        if picks is not None:  # planned
            planned = iter(picks)
            pick = lambda _: (next(planned),)  # noqa: E731
        check = self._check
        fsm = self._fsm
        events: list[str] = []
        failures = _Failures()
        dropped = 0
        exhausted = False
        for timestamp, event_tags in zip(timestamps, tags, strict=True):
            if fsm:
                check.timestamp = timestamp
                check.tags = event_tags
            repicks = 0
            while True:
                aliases = pick(check)
                current = templates[aliases[0]]
                try:
                    if len(aliases) == 1:
                        rendered = [current.render(timestamp, event_tags)]
                    else:
                        rendered = []
                        for alias in aliases:
                            current = templates[alias]
                            rendered.append(current.render(timestamp, event_tags))
                except DispatchSignal as signal:
                    check.states["locals"] = current.locals
                    if isinstance(signal, DropSignal):
                        dropped += 1
                    elif isinstance(signal, NextSignal):
                        repicks += 1
                        if repicks <= signal.max_repicks:
                            continue
                        failures.add(
                            current.alias,
                            f"dispatch.next(): repick limit exceeded ({signal.max_repicks})",
                            current.file,
                            None,
                        )
                    elif isinstance(signal, ExhaustSignal):
                        exhausted = True
                    break
                except Exception as error:
                    file, line = error_location(error)
                    failures.add(
                        current.alias, f"{type(error).__name__}: {error}", file or current.file,
                        line,
                    )  # fmt: skip
                    break
                check.states["locals"] = current.locals
                events.extend(rendered)
                break
            if exhausted:
                self._exhausted = True
                break
        failures.log(self._log)
        return Produced(events, failed=failures.count, dropped=dropped, exhausted=exhausted)

    def close(self) -> None:
        """Lets go of the world's episode clock; other state lives as long as the plugin."""
        if self._world is not None:
            self._world.close()
