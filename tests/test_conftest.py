"""The ``data`` marker is applied to every test that reads the real recordings (so ``-m data`` finds them
and a run without ../shared/data says how many it skipped)."""

from tests.conftest import uses_recordings


def test_tests_that_read_recordings_are_found():
    from tests.lib import test_audio, test_room

    assert uses_recordings(test_audio.test_real_recording_facts_from_the_manifest)
    assert uses_recordings(test_room.test_measured_seminar_room_t20_t30_with_noise_handling)
    assert not uses_recordings(test_audio.test_silent_file)


def test_collected_items_carry_the_marker(request):
    marked = {item.name for item in request.session.items if item.get_closest_marker("data")}
    if any("test_audio.py" in item.nodeid for item in request.session.items):
        assert "test_real_recording_facts_from_the_manifest" in marked
        assert "test_silent_file" not in marked
