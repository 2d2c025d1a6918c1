"""Sample contents that pass the generated schemas (mirroring src/lib/case/state.ts)."""

SERVICE = "@casusruimte-service:localhost"


def case_content(**changes):
    return {
        "v": 1,
        "reference": "DH-2026-0142",
        "region": "DH",
        "phase": "triage",
        "first_report_at": "2026-11-20T09:30:00Z",
        "acute": True,
        "closed_at": None,
        "retention_until": None,
        **changes,
    }


def access_content(*orgs: str):
    return {"v": 1, "organisations": [{"org": o, "since": "2026-11-20T10:00:00Z", "basis": "consent"} for o in orgs]}


def regie_content(regiehouder="@csg.mulder:localhost", deputy=None):
    return {"v": 1, "regiehouder": regiehouder, "deputy": deputy, "since": "2026-11-20T10:00:00Z", "handovers": 0}


def triage_content(**changes):
    return {"v": 1, "seq": 1, "decided_at": "2026-11-21T09:00:00Z", "next_review": "2026-11-28", **changes}
