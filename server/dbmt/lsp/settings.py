"""The server's settings: defaults, `initializationOptions`, then `workspace/configuration`
(section `dbmt`), each layer over the one before; a client that answers null, nothing or
junk gets the layer below. The engine's own config (`dbmt.toml`) is merged under the editor's
severity overrides (docs/lsp.md, "Settings")."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..check.registry import CODES
from ..workspace.config import SEVERITY_WORDS, Config

DEFAULT_DEBOUNCE_MS = 150
DEFAULT_MAX_DIAGNOSTICS = 1000


def _is_number(v: Any) -> bool:
    """An int or a float from the client's JSON (not a bool, which Python counts as an int)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclasses.dataclass
class Settings:
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    severity: dict[str, str] = dataclasses.field(default_factory=dict)
    # Files over this size are not analysed live (reported once, with the CLI to run instead).
    max_file_bytes: int = 32 * 1024 * 1024
    # The wall-clock safety net of one enum's constraint analysis while editing (DBMT901 when
    # reached); the deterministic work budget (analysis-budget) applies as in the CLI.
    analysis_deadline_ms: int = 3000
    # Diagnostics sent per file (0: all). VS Code shows at most 1,000 per file and drops the
    # rest after the language client has received and converted them all; a file of 300,000
    # findings (1 MB of broken lines) took minutes to reach an editor. The ones sent are errors
    # first, then warnings, information and hints, in file order; one more says what was left.
    max_diagnostics_per_file: int = DEFAULT_MAX_DIAGNOSTICS
    problems: list[str] = dataclasses.field(default_factory=list)  # what could not be used, said once

    def merged(self, raw: Any) -> "Settings":
        """These settings with a client's dict on top (`{"dbmt": {…}}` or the section's content)."""
        out = dataclasses.replace(self, severity=dict(self.severity), problems=[])
        if not isinstance(raw, dict):
            return out
        if isinstance(raw.get("dbmt"), dict):
            raw = raw["dbmt"]
        deb = raw.get("debounce", raw.get("debounceMs"))
        if deb is not None:
            if _is_number(deb) and 0 <= deb <= 10_000:
                out.debounce_ms = int(deb)
            else:
                out.problems.append(f"dbmt.debounce must be a number of milliseconds from 0 to 10000, got {deb!r}")
        sev = raw.get("severity")
        if isinstance(sev, dict):
            for code, level in sev.items():
                if code not in CODES:
                    out.problems.append(f"dbmt.severity: unknown diagnostic code {code!r}")
                elif not isinstance(level, str) or level.lower() not in SEVERITY_WORDS:
                    out.problems.append(f"dbmt.severity.{code} must be error, warning, info, hint or off, got {level!r}")
                else:
                    out.severity[code] = level.lower()
        elif sev is not None:
            out.problems.append("dbmt.severity must be an object of CODE: level")
        dl = raw.get("analysisDeadlineMs")
        if dl is not None:
            if _is_number(dl) and dl > 0:
                out.analysis_deadline_ms = int(dl)
            else:
                out.problems.append(f"dbmt.analysisDeadlineMs must be a positive number of milliseconds, got {dl!r}")
        mdf = raw.get("maxDiagnosticsPerFile")
        if mdf is not None:
            if _is_number(mdf) and mdf >= 0 and mdf == int(mdf):
                out.max_diagnostics_per_file = int(mdf)
            else:
                out.problems.append(f"dbmt.maxDiagnosticsPerFile must be a whole number, 0 for no limit, got {mdf!r}")
        mfb = raw.get("maxFileBytes")
        if isinstance(mfb, int) and not isinstance(mfb, bool) and mfb > 0:
            out.max_file_bytes = mfb
        return out

    def apply_to(self, cfg: Config) -> Config:
        """The engine config with these settings on top: severity overrides, and the language
        server's deadline for constraint analyses (the CLI never has one)."""
        return dataclasses.replace(cfg, severity={**cfg.severity, **self.severity},
                                   analysis_deadline_s=self.analysis_deadline_ms / 1000.0)
