"""The Synapse glue, against a stand-in for the ModuleApi: refusals become the
right SynapseError and a log entry, the directory is re-read before refusing,
and the rejection endpoint answers only admins."""

import asyncio
import sqlite3
from types import SimpleNamespace

import pytest
from synapse.module_api import NOT_SPAM, RoomAlias
from synapse.module_api.errors import Codes, ConfigError, SynapseError

from casusruimte_guard import CasusGuard
from casusruimte_guard.resource import PATH
from conftest import SCHEMAS_DIR
from samples import SERVICE, access_content, case_content, regie_content

ROOM = "!case:localhost"
DIRECTORY_ROOM = "!dir:localhost"
HOLDER = "@csg.mulder:localhost"
OM = "@om.vos:localhost"
CHAIR = "@mdt.voorzitter:localhost"


class FakeEvent:
    def __init__(self, type, sender, content, state_key=None, room_id=ROOM, origin_server_ts=1_800_000_000_000, unsigned=None):
        self.type, self.sender, self.content, self.room_id, self._state_key = type, sender, content, room_id, state_key
        self.origin_server_ts = origin_server_ts
        self.unsigned = unsigned or {}

    def is_state(self):
        return self._state_key is not None

    def get_state_key(self):
        return self._state_key


class FakeApi:
    server_name = "localhost"

    def __init__(self):
        self.db = sqlite3.connect(":memory:")
        self.callbacks = {}
        self.resources = {}
        self.rooms = {DIRECTORY_ROOM: {}}
        self.published = set()
        self.admins = {SERVICE}
        self.tokens = {"service-token": SERVICE, "holder-token": HOLDER}
        self.public_room_list_manager = SimpleNamespace(room_is_in_public_room_list=self._is_public)
        self.events = {}
        self._store = SimpleNamespace(get_event=self._get_event)

    async def _get_event(self, event_id, allow_none=False):
        return self.events.get(event_id)

    async def _is_public(self, room_id):
        return room_id in self.published

    def register_third_party_rules_callbacks(self, **kw):
        self.callbacks.update(kw)

    def register_spam_checker_callbacks(self, **kw):
        self.callbacks.update(kw)

    def register_web_resource(self, path, resource):
        self.resources[path] = resource

    def run_as_background_process(self, desc, func, *args):
        asyncio.run(func(*args))

    def looping_background_call(self, f, msec, *args, desc=None, **kwargs):
        pass

    async def run_db_interaction(self, desc, func, *args):
        cur = self.db.cursor()
        result = func(cur, *args)
        self.db.commit()
        return result

    async def lookup_room_alias(self, alias):
        if alias == "#casusruimte-directory:localhost":
            return DIRECTORY_ROOM, ["localhost"]
        raise SynapseError(404, "no such alias", Codes.NOT_FOUND)

    async def get_room_state(self, room_id, event_filter=None):
        state = self.rooms.get(room_id, {})
        return {k: v for k, v in state.items() if event_filter is None or k in event_filter}

    def get_current_time_msec(self):
        return 1_800_000_000_000

    async def sleep(self, seconds):
        pass

    async def get_user_by_req(self, request):
        header = request.getHeader("Authorization")
        user = self.tokens.get((header or "").removeprefix("Bearer "))
        if header is None:
            raise SynapseError(401, "Missing access token", Codes.MISSING_TOKEN)
        if user is None:
            raise SynapseError(401, "Unknown token", Codes.UNKNOWN_TOKEN)
        return SimpleNamespace(user=SimpleNamespace(to_string=lambda: user))

    async def is_user_admin(self, user_id):
        return user_id in self.admins

    def add_user(self, user_id, org, roles=("professional",), active=True):
        content = {"v": 1, "org": org, "roles": list(roles), "display_name": user_id, "active": active, "updated_at": 1}
        self.rooms[DIRECTORY_ROOM][("nl.casusruimte.directory.user", f"user:{user_id}")] = FakeEvent(
            "nl.casusruimte.directory.user", SERVICE, content, f"user:{user_id}", DIRECTORY_ROOM
        )


def case_state():
    events = [
        FakeEvent("m.room.create", SERVICE, {"type": "nl.casusruimte.case", "m.federate": False, "room_version": "12"}, ""),
        FakeEvent("nl.casusruimte.case", SERVICE, case_content(), ""),
        FakeEvent("nl.casusruimte.access", SERVICE, access_content("CSG", "VT"), ""),
        FakeEvent("nl.casusruimte.regie", SERVICE, regie_content(HOLDER), ""),
        FakeEvent("m.room.member", HOLDER, {"membership": "join"}, HOLDER),
    ]
    return {(e.type, e.get_state_key()): e for e in events}


@pytest.fixture
def setup():
    api = FakeApi()
    api.rooms[ROOM] = case_state()
    guard = CasusGuard(CasusGuard.parse_config({"service_user_id": SERVICE, "schemas_dir": str(SCHEMAS_DIR)}), api)
    return guard, api


def run(coro):
    return asyncio.run(coro)


def rejections(api):
    return [row for row in api.db.execute("SELECT user_id, room_id, rule, event_type, message FROM casusruimte_guard_rejections ORDER BY id")]


def test_config_is_checked_at_start(tmp_path):
    with pytest.raises(ConfigError, match="service_user_id"):
        CasusGuard.parse_config({"schemas_dir": str(SCHEMAS_DIR)})
    with pytest.raises(ConfigError, match="npm run schemas"):
        CasusGuard.parse_config({"service_user_id": SERVICE, "schemas_dir": str(tmp_path)})
    config = CasusGuard.parse_config({"service_user_id": SERVICE, "schemas_dir": str(SCHEMAS_DIR)})
    assert config.allowed_alias_localparts == ("casusruimte-directory",)


def test_registers_its_callbacks_and_endpoint(setup):
    _, api = setup
    assert {
        "check_event_allowed",
        "user_may_create_room",
        "user_may_create_room_alias",
        "user_may_publish_room",
        "check_media_file_for_spam",
    } <= set(api.callbacks)
    assert PATH in api.resources


def test_a_schema_violation_is_400_bad_json_and_logged_without_content(setup):
    guard, api = setup
    event = FakeEvent("nl.casusruimte.case", HOLDER, case_content(reference="Jan Jansen"), "")
    with pytest.raises(SynapseError) as err:
        run(guard.check_event_allowed(event, api.rooms[ROOM]))
    assert (err.value.code, err.value.errcode) == (400, "M_BAD_JSON")
    assert err.value.msg.startswith("casusruimte: nl.casusruimte.case: reference: a case reference looks like")
    [(user, room, rule, event_type, message)] = rejections(api)
    assert (user, room, rule, event_type) == (HOLDER, ROOM, "schema", "nl.casusruimte.case")
    assert "Jan Jansen" not in message


def test_allowed_events_pass(setup):
    guard, api = setup
    encrypted = FakeEvent("m.room.encrypted", HOLDER, {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgA", "session_id": "S" * 43})
    assert run(guard.check_event_allowed(encrypted, api.rooms[ROOM])) == (True, None)
    leave = FakeEvent("m.room.member", HOLDER, {"membership": "leave"}, HOLDER)
    assert run(guard.check_event_allowed(leave, api.rooms[ROOM])) == (True, None)
    assert rejections(api) == []


def test_an_invite_is_refused_only_on_fresh_directory_state(setup):
    guard, api = setup
    invite = FakeEvent("m.room.member", HOLDER, {"membership": "invite"}, "@vt.new:localhost")
    with pytest.raises(SynapseError) as err:
        run(guard.check_event_allowed(invite, api.rooms[ROOM]))
    assert (err.value.code, err.value.errcode) == (403, "M_FORBIDDEN") and "not an active user" in err.value.msg
    # the beheerder adds the user; the cached "unknown" does not outlive the refresh-before-refusing
    api.add_user("@vt.new:localhost", "VT")
    assert run(guard.check_event_allowed(invite, api.rooms[ROOM])) == (True, None)
    api.add_user(OM, "OM")
    with pytest.raises(SynapseError, match="works for OM"):
        run(guard.check_event_allowed(FakeEvent("m.room.member", HOLDER, {"membership": "invite"}, OM), api.rooms[ROOM]))
    assert [r[2] for r in rejections(api)] == ["invite_not_covered", "invite_not_covered"]


def test_a_chair_from_the_directory_may_change_case_state(setup):
    guard, api = setup
    event = FakeEvent("nl.casusruimte.case", CHAIR, case_content(phase="regie"), "")
    with pytest.raises(SynapseError, match="only the regiehouder, the deputy or an MDT chair"):
        run(guard.check_event_allowed(event, api.rooms[ROOM]))
    api.add_user(CHAIR, "VT", roles=("professional", "chair"))
    assert run(guard.check_event_allowed(event, api.rooms[ROOM])) == (True, None)


def test_an_internal_failure_refuses_with_503_but_never_blocks_leaving(setup):
    guard, api = setup

    async def broken(*args):
        raise RuntimeError("database gone")

    api.get_room_state = broken
    invite = FakeEvent("m.room.member", HOLDER, {"membership": "invite"}, OM)
    with pytest.raises(SynapseError) as err:
        run(guard.check_event_allowed(invite, api.rooms[ROOM]))
    assert err.value.code == 503 and err.value.msg.startswith("casusruimte: ")
    kick = FakeEvent("m.room.member", HOLDER, {"membership": "leave"}, OM)
    assert run(guard.check_event_allowed(kick, api.rooms[ROOM])) == (True, None)


def test_the_access_list_is_checked_against_the_directorys_organisations(setup):
    guard, api = setup
    orgs = {"v": 1, "organisations": [{"code": c, "name": c} for c in ("CSG", "VT", "OM")]}
    api.rooms[DIRECTORY_ROOM][("nl.casusruimte.directory.organisations", "")] = FakeEvent(
        "nl.casusruimte.directory.organisations", SERVICE, orgs, "", DIRECTORY_ROOM
    )
    unknown = FakeEvent("nl.casusruimte.access", HOLDER, access_content("CSG", "VT", "GGD"), "")
    with pytest.raises(SynapseError, match="GGD is not an organisation in the directory"):
        run(guard.check_event_allowed(unknown, api.rooms[ROOM]))
    known = FakeEvent("nl.casusruimte.access", HOLDER, access_content("CSG", "VT", "OM"), "")
    assert run(guard.check_event_allowed(known, api.rooms[ROOM])) == (True, None)


def test_a_member_closes_a_case_by_the_servers_clock(setup):
    guard, api = setup
    now = "2027-01-15T08:00:00Z"  # FakeApi's clock
    closing = case_content(phase="closed", closed_at=now, retention_until="2028-01-15T08:00:00Z")
    assert run(guard.check_event_allowed(FakeEvent("nl.casusruimte.case", HOLDER, closing, ""), api.rooms[ROOM])) == (True, None)
    back = {**closing, "closed_at": "2020-01-15T08:00:00Z", "retention_until": "2020-06-15T08:00:00Z"}
    with pytest.raises(SynapseError, match="closed_at is the moment of closing"):
        run(guard.check_event_allowed(FakeEvent("nl.casusruimte.case", HOLDER, back, ""), api.rooms[ROOM]))


def test_only_the_service_creates_rooms(setup):
    guard, api = setup
    assert run(guard.user_may_create_room(SERVICE, {})) == NOT_SPAM
    code, fields = run(guard.user_may_create_room(HOLDER, {"name": "Jan Jansen"}))
    assert code == Codes.FORBIDDEN and fields["error"].startswith("casusruimte: rooms are created by the casusruimte service only")
    assert "Jan" not in fields["error"]
    assert rejections(api)[-1][:4] == (HOLDER, None, "room_creation", "m.room.create")


class FakeFile:
    def __init__(self, data):
        self.data = data

    async def write_chunks_to(self, callback):
        for i in range(0, len(self.data), 1000):
            callback(self.data[i : i + 1000])


def test_media_uploads_are_encrypted_blobs(setup):
    import os

    guard, _ = setup
    local = SimpleNamespace(server_name=None, thumbnail=None)
    assert run(guard.check_media_file_for_spam(FakeFile(os.urandom(5000)), local)) == NOT_SPAM
    code, fields = run(guard.check_media_file_for_spam(FakeFile(b"Aangifte van Jan Jansen, Dorpsstraat 1\n" * 50), local))
    assert code == Codes.FORBIDDEN and "plaintext" in fields["error"]
    code, _ = run(guard.check_media_file_for_spam(FakeFile("Zoë, geboren 12-03-1990 — één verklaring".encode() * 20), local))
    assert code == Codes.FORBIDDEN


def test_aliases_other_than_the_directorys_are_refused(setup):
    guard, api = setup
    assert run(guard.user_may_create_room_alias(SERVICE, RoomAlias.from_string("#casusruimte-directory:localhost"))) == NOT_SPAM
    code, fields = run(guard.user_may_create_room_alias(SERVICE, RoomAlias.from_string("#dh-2026-0142:localhost")))
    assert code == Codes.FORBIDDEN and fields["error"].startswith("casusruimte: room aliases are not used here")
    assert rejections(api)[-1][:4] == (SERVICE, None, "alias", None)


def test_case_rooms_are_never_published_but_may_be_unlisted(setup):
    guard, api = setup
    code, fields = run(guard.user_may_publish_room(HOLDER, ROOM))
    assert code == Codes.FORBIDDEN and "never published" in fields["error"]
    assert rejections(api)[-1][:3] == (HOLDER, ROOM, "publish")
    api.published.add(ROOM)
    assert run(guard.user_may_publish_room(SERVICE, ROOM)) == NOT_SPAM
    api.rooms["!other:localhost"] = {("m.room.create", ""): FakeEvent("m.room.create", HOLDER, {}, "")}
    assert run(guard.user_may_publish_room(HOLDER, "!other:localhost")) == NOT_SPAM


class FakeRequest:
    def __init__(self, token=None, **args):
        self.token = token
        self.args = {k.encode(): [str(v).encode()] for k, v in args.items()}

    def getHeader(self, name):
        return f"Bearer {self.token}" if self.token else None


def test_the_rejection_endpoint_serves_admins_only(setup):
    guard, api = setup
    for i in range(3):
        run(guard.user_may_publish_room(HOLDER, ROOM))
    resource = api.resources[PATH]
    code, body = run(resource._async_render_GET(FakeRequest("service-token", limit=2)))
    assert code == 200 and [r["id"] for r in body["rejections"]] == [1, 2] and body["next_from"] == 3
    assert set(body["rejections"][0]) == {"id", "ts", "user_id", "room_id", "rule", "event_type", "message"}
    code, body = run(resource._async_render_GET(FakeRequest("service-token", **{"from": 3, "room_id": ROOM})))
    assert [r["id"] for r in body["rejections"]] == [3] and body["next_from"] is None
    code, body = run(resource._async_render_GET(FakeRequest("service-token", room_id="!elsewhere:localhost")))
    assert body == {"rejections": [], "next_from": None}
    with pytest.raises(SynapseError) as err:
        run(resource._async_render_GET(FakeRequest("holder-token")))
    assert (err.value.code, err.value.errcode) == (403, "M_FORBIDDEN")
    with pytest.raises(SynapseError) as err:
        run(resource._async_render_GET(FakeRequest()))
    assert err.value.code == 401
    for bad in ({"limit": 0}, {"from": "x"}, {"from": -1}):
        with pytest.raises(SynapseError) as err:
            run(resource._async_render_GET(FakeRequest("service-token", **bad)))
        assert (err.value.code, err.value.errcode) == (400, "M_INVALID_PARAM")


# --- the daily MDT (issue 12) ---------------------------------------------------------------------------

BOARD = "!board:localhost"
ENVELOPE = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgA", "session_id": "S" * 43}


def board_state(*joined):
    events = [
        FakeEvent("m.room.create", SERVICE, {"type": "nl.casusruimte.board", "m.federate": False, "room_version": "12"}, "", BOARD),
        FakeEvent("nl.casusruimte.board", SERVICE, {"v": 1, "region": "DH"}, "", BOARD),
        *(
            FakeEvent("m.room.member", u, {"membership": "join"}, u, BOARD, ts, {"replaces_state": f"$invite-{u}"})
            for u, ts in joined
        ),
    ]
    return {(e.type, e.get_state_key()): e for e in events}


def set_mdt(api, chairs, members):
    content = {"v": 1, "region": "DH", "chairs": chairs, "members": [{"user": m, "deputy": False} for m in members], "updated_at": 1}
    api.rooms[DIRECTORY_ROOM][("nl.casusruimte.directory.mdt", "DH")] = FakeEvent(
        "nl.casusruimte.directory.mdt", SERVICE, content, "DH", DIRECTORY_ROOM
    )


def test_a_board_post_is_checked_against_the_regions_mdt_in_the_directory(setup):
    guard, api = setup
    now = api.get_current_time_msec()
    api.add_user(HOLDER, "CSG")
    api.add_user(OM, "OM")
    api.rooms[BOARD] = board_state((HOLDER, now - 30 * 24 * 3600_000), (OM, now - 30 * 24 * 3600_000))
    set_mdt(api, [CHAIR], [HOLDER])
    post = lambda who: FakeEvent("m.room.encrypted", who, ENVELOPE, None, BOARD)  # noqa: E731
    assert run(guard.check_event_allowed(post(HOLDER), api.rooms[BOARD])) == (True, None)
    with pytest.raises(SynapseError, match="does not sit in the MDT of region DH") as err:
        run(guard.check_event_allowed(post(OM), api.rooms[BOARD]))
    assert err.value.code == 403
    # the beheerder adds OM to the MDT: the refusal is re-checked on fresh directory state
    set_mdt(api, [CHAIR], [HOLDER, OM])
    assert run(guard.check_event_allowed(post(OM), api.rooms[BOARD])) == (True, None)
    # a plaintext marker on the board is refused and logged without the marker
    with pytest.raises(SynapseError) as err:
        run(guard.check_event_allowed(FakeEvent("m.room.message", HOLDER, {"msgtype": "m.text", "body": "Jan Jansen"}, None, BOARD), api.rooms[BOARD]))
    assert err.value.code == 403
    assert [(r[1], r[2]) for r in rejections(api)] == [(BOARD, "mdt_member"), (BOARD, "unencrypted")]
    assert all("Jan Jansen" not in r[4] for r in rejections(api))


def test_an_aanmelding_guest_posts_only_just_after_joining(setup):
    guard, api = setup
    now = api.get_current_time_msec()
    api.add_user("@politie.bakker:localhost", "POLITIE")
    api.events["$invite-@politie.bakker:localhost"] = FakeEvent(
        "m.room.member", SERVICE, {"membership": "invite", "reason": "aanmelding"}, "@politie.bakker:localhost", BOARD
    )
    set_mdt(api, [CHAIR], [HOLDER])
    fresh = board_state(("@politie.bakker:localhost", now - 5_000))
    stale = board_state(("@politie.bakker:localhost", now - 2 * 3600_000))
    post = FakeEvent("m.room.encrypted", "@politie.bakker:localhost", ENVELOPE, None, BOARD)
    assert run(guard.check_event_allowed(post, fresh)) == (True, None)
    with pytest.raises(SynapseError, match="only the region's MDT posts"):
        run(guard.check_event_allowed(post, stale))
    # joined on an invitation for the MDT (and since taken out of it): no guest
    api.events["$invite-@politie.bakker:localhost"] = FakeEvent(
        "m.room.member", SERVICE, {"membership": "invite", "reason": "mdt-board"}, "@politie.bakker:localhost", BOARD
    )
    with pytest.raises(SynapseError, match="only the region's MDT posts"):
        run(guard.check_event_allowed(post, fresh))


def test_the_mdt_chair_comes_into_a_case_on_the_chair_role(setup):
    guard, api = setup
    api.add_user(CHAIR, "OM", roles=("professional", "chair"))
    invite = FakeEvent("m.room.member", SERVICE, {"membership": "invite", "reason": "mdt-chair"}, CHAIR)
    with pytest.raises(SynapseError, match="does not chair the MDT of region DH"):
        run(guard.check_event_allowed(invite, api.rooms[ROOM]))
    set_mdt(api, [CHAIR], [HOLDER])
    assert run(guard.check_event_allowed(invite, api.rooms[ROOM])) == (True, None)


def test_a_board_is_never_published_either(setup):
    guard, api = setup
    api.rooms[BOARD] = board_state()
    code, fields = run(guard.user_may_publish_room(SERVICE, BOARD))
    assert code == Codes.FORBIDDEN and "an MDT board is never published" in fields["error"]
    api.published.add(BOARD)
    assert run(guard.user_may_publish_room(SERVICE, BOARD)) == NOT_SPAM
