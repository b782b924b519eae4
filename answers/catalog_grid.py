"""Catalog-wide questions on the vectorised grid: the best quant of every model on one machine, or of one
model on every GPU. Built lazily once per catalog (the per-model table takes ~0.4 s)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from estimator.batch import FIT_CODES, RUNS_WELL, TIGHT, HardwareColumns, ModelQuantTable, evaluate_grid
from estimator.hardware import System
from estimator.quants import COMMON_GGUF
from knowledge.catalog import Catalog
from knowledge.devices import model_spec, system_from_hardware

QUALITY_ORDER = list(COMMON_GGUF)  # best first
# With layers in system RAM (offload, CPU only) memory bandwidth sets the speed, so a bigger file is slower in
# proportion: those tiers suggest Q4_K_M at most (the usual advice), not the Q8_0 that merely fits in RAM.
SLOW_TIER_START = QUALITY_ORDER.index("Q4_K_M")


@dataclass(frozen=True)
class Option:
    model_id: str
    hardware_id: str
    quant: str
    fit: str
    decode_tps: float
    total_gb: float


def build_tables(catalog: Catalog) -> tuple[ModelQuantTable, HardwareColumns]:
    """The grid's two inputs for the whole catalog: every model at every quant, and every machine (about a second;
    the knowledge snapshot keeps them, so a process usually loads them instead)."""
    table = ModelQuantTable.build([model_spec(m) for m in catalog.models], QUALITY_ORDER)
    columns = HardwareColumns.build([(h.id, system_from_hardware([h])) for h in catalog.hardware])
    return table, columns


class CatalogGrid:
    def __init__(self, catalog: Catalog, tables: Callable[[], tuple[ModelQuantTable, HardwareColumns]] | None = None):
        """``tables``: where the built inputs come from (the knowledge base's snapshot part); built here if None."""
        self.catalog = catalog
        self._tables = tables or (lambda: build_tables(catalog))
        self._table: ModelQuantTable | None = None
        self._columns: HardwareColumns | None = None
        self._lock = threading.Lock()

    def _ensure(self) -> tuple[ModelQuantTable, HardwareColumns]:
        with self._lock:
            if self._table is None or self._columns is None:
                self._table, self._columns = self._tables()
            return self._table, self._columns

    def _best(self, fit: np.ndarray, accept: tuple[int, ...], start: int = 0, stop: int | None = None) -> np.ndarray:
        """Per (model, hardware): index of the best-quality quant whose fit is in ``accept`` (-1 if none), looking
        only at ``QUALITY_ORDER[start:stop]``."""
        q = len(QUALITY_ORDER)
        ok = np.isin(fit.reshape(-1, q, fit.shape[1]), accept)  # (models, quants, hardware)
        ok[:, :start, :] = False
        if stop is not None:
            ok[:, stop:, :] = False
        first = np.argmax(ok, axis=1)
        return np.where(ok.any(axis=1), first, -1)

    def models_on(self, system: System, hardware_id: str, context: int) -> list[Option]:
        """Every catalog model on one machine, at its best quant that fits fully (else the best with offload)."""
        table, _ = self._ensure()
        columns = HardwareColumns.build([(hardware_id, system)])
        grid = evaluate_grid(table, columns, [context])
        fit = grid.fit[:, :, 0]
        options: list[Option] = []
        listed: set[str] = set()
        q = len(QUALITY_ORDER)
        passes = (
            ((RUNS_WELL,), 0, SLOW_TIER_START + 1),  # with room to spare at Q4_K_M or better: that, not a tight Q6_K
            ((RUNS_WELL, TIGHT), 0, None),
            ((2,), SLOW_TIER_START, None),  # offload
            ((1,), SLOW_TIER_START, None),  # CPU only
        )
        for tiers, start, stop in passes:
            best = self._best(fit, tiers, start, stop)[:, 0]
            for m, quant_index in enumerate(best):
                if quant_index < 0 or table.model_ids[m * q] in listed:
                    continue
                listed.add(table.model_ids[m * q])
                row = m * q + quant_index
                options.append(
                    Option(
                        table.model_ids[row],
                        hardware_id,
                        table.quants[row],
                        FIT_CODES[fit[row, 0]],
                        float(grid.decode_tps[row, 0, 0]),
                        float(grid.total_bytes[row, 0, 0]) / 1e9,
                    )
                )
        return options

    def hardware_for(self, model_id: str, context: int) -> list[Option]:
        """Every catalog GPU/machine for one model, at its best quant that fits fully."""
        table, columns = self._ensure()
        rows = [i for i, mid in enumerate(table.model_ids) if mid == model_id]
        if not rows:
            return []
        sub = ModelQuantTable(**{k: v[rows[0] : rows[-1] + 1] for k, v in table.__dict__.items()})
        grid = evaluate_grid(sub, columns, [context])
        fit = grid.fit[:, :, 0]
        best = self._best(fit, (RUNS_WELL, TIGHT))[0]
        options: list[Option] = []
        for h, quant_index in enumerate(best):
            if quant_index < 0:
                continue
            options.append(
                Option(
                    model_id,
                    columns.ids[h],
                    sub.quants[quant_index],
                    FIT_CODES[fit[quant_index, h]],
                    float(grid.decode_tps[quant_index, h, 0]),
                    float(grid.total_bytes[quant_index, h, 0]) / 1e9,
                )
            )
        return options
