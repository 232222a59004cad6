"""The password policy: at least 8 characters from at least 3 classes; hashes are salted and slow."""
import pytest

from crm.auth.passwords import hash_password, policy_problem, verify_password


@pytest.mark.parametrize("password", ["Ab1!", "Abcdef1", "", "短密码Aa1"])
def test_too_short_is_refused(password):
    assert policy_problem(password)


@pytest.mark.parametrize("password", ["abcdefgh12", "ABCDEFGH!!", "abcdEFGHij", "12345678!@", "abcdefghijkl"])
def test_two_classes_or_fewer_are_refused(password):
    assert policy_problem(password)


@pytest.mark.parametrize("password", ["abcdEF12", "abcdef1!", "ABCDEF1!", "Abcdefg!", "Passw0rd!x"])
def test_three_classes_and_eight_characters_pass(password):
    assert policy_problem(password) is None


def test_hashes_are_salted_scrypt():
    first, second = hash_password("Passw0rd!x"), hash_password("Passw0rd!x")
    assert first != second and first.startswith("scrypt:")
    assert verify_password(first, "Passw0rd!x") and not verify_password(first, "passw0rd!x")


def test_changing_ones_own_password_obeys_the_policy(client, world, login):
    from tests.factories import PASSWORD

    login(world.users["am_a1"])
    weak = {"current": PASSWORD, "new": "password1", "repeat": "password1"}
    client.post("/account/password", data=weak)
    client.post("/logout")
    assert client.post("/login", data={"username": "am_a1", "password": "password1"}).status_code == 200
    login(world.users["am_a1"])
    good = {"current": PASSWORD, "new": "N3w-Passw0rd", "repeat": "N3w-Passw0rd"}
    assert client.post("/account/password", data=good).status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"username": "am_a1", "password": "N3w-Passw0rd"}).status_code == 302


def test_the_current_password_is_needed_to_change_it(client, world, login, db):
    from crm.people.models import User

    login(world.users["am_a1"])
    before = world.users["am_a1"].password_hash
    client.post("/account/password", data={"current": "wrong", "new": "N3w-Passw0rd", "repeat": "N3w-Passw0rd"})
    db.session.expire_all()
    assert db.session.get(User, world.users["am_a1"].id).password_hash == before
