"""The positions page: each structure with the mark the node wrote and its age, or none yet."""

from fastapi.testclient import TestClient

from control.settings import ControlSettings
from statestore import StateStore
from statestore.control import ControlLedger, StructureMark
from statestore.store import StoredLeg, StoredStructure
from tests.control.conftest import Clock, Owner, login

NS = 1_000_000_000


def test_marks_and_their_age_or_not_marked_yet(
    client: TestClient, owner: Owner, clock: Clock, settings: ControlSettings
) -> None:
    login(client, owner)
    legs = (
        StoredLeg("SPY240216P00470000.US", "SELL", 2),
        StoredLeg("SPY240216P00460000.US", "BUY", 2),
    )
    with StateStore(settings.store) as store:
        store.save_structure(
            StoredStructure("spread1", "Engine-001", "SPY", "2024-02-16", "open", legs, 1.2, 1)
        )
        store.save_structure(
            StoredStructure("spread2", "Engine-001", "SPY", "2024-03-15", "open", legs, 1.1, 2)
        )
        mark = StructureMark("spread1", clock.ns - 400 * NS, -240.0, 0.0, 12.5, -0.4, -8.0, 3.2)
        ControlLedger(store).replace_marks([mark])
    page = client.get("/positions").text
    assert '<table class="mark" id="mark-spread1">' in page
    # an old mark (over 5 minutes) is flagged
    assert "<td>-$240.00</td><td>$0.00</td><td>12.5</td><td>-0.40</td><td>-$8.00</td>" in page
    assert '<td>$3.20</td><td class="bad">400 s</td>' in page
    assert 'id="mark-spread2"' not in page and "not marked yet" in page
    with StateStore(settings.store) as store:  # the next marking replaces every row
        ControlLedger(store).replace_marks([])
    assert "mark-spread1" not in client.get("/positions").text
