"""The password policy: at least 8 characters from at least 3 classes, not common nor easy to guess; hashes are
salted and slow."""
import pytest

from crm.auth.passwords import hash_password, policy_problem, verify_password


@pytest.mark.parametrize("password", ["Ab1!", "Abcdef1", "", "短密码Aa1"])
def test_too_short_is_refused(password):
    assert policy_problem(password)


@pytest.mark.parametrize("password", ["abcdefgh12", "ABCDEFGH!!", "abcdEFGHij", "12345678!@", "abcdefghijkl"])
def test_two_classes_or_fewer_are_refused(password):
    assert policy_problem(password)


@pytest.mark.parametrize("password", ["xT9!mq4Rw", "Str0ng-pass", "Lantern-Tiger-93", "Demo2025!", "Zhou.Ping-2026"])
def test_three_classes_and_hard_to_guess_pass(password):
    assert policy_problem(password) is None


@pytest.mark.parametrize("password", ["Password1", "P@ssw0rd", "Passw0rd!x", "Admin@123", "Qwerty123!", "Abcdefg!",
                                      "Welcome2024!"])
def test_common_and_easily_guessed_passwords_are_refused(password):
    assert "过于常见" in policy_problem(password)


def test_the_users_own_name_makes_a_password_guessable():
    assert policy_problem("Zhouping-26") is None
    assert "过于常见" in policy_problem("Zhouping-26", ("zhouping", "周平"))


def test_the_demos_random_passwords_pass():
    from crm.demo.build import random_password

    assert all(policy_problem(random_password()) is None for _ in range(20))


def test_hashes_are_salted_scrypt():
    first, second = hash_password("Passw0rd!x"), hash_password("Passw0rd!x")
    assert first != second and first.startswith("scrypt:")
    assert verify_password(first, "Passw0rd!x") and not verify_password(first, "passw0rd!x")


def test_changing_ones_own_password_obeys_the_policy(client, world, login):
    from tests.factories import PASSWORD

    login(world.users["am_a1"])
    for weak in ("password1", "Password1"):
        client.post("/account/password", data={"current": PASSWORD, "new": weak, "repeat": weak})
    client.post("/logout")
    assert client.post("/login", data={"username": "am_a1", "password": "Password1"}).status_code == 200
    login(world.users["am_a1"])
    good = {"current": PASSWORD, "new": "Lantern-Tiger-93", "repeat": "Lantern-Tiger-93"}
    assert client.post("/account/password", data=good).status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"username": "am_a1", "password": "Lantern-Tiger-93"}).status_code == 302


def test_the_current_password_is_needed_to_change_it(client, world, login, db):
    from crm.people.models import User

    login(world.users["am_a1"])
    before = world.users["am_a1"].password_hash
    client.post("/account/password", data={"current": "wrong", "new": "Lantern-Tiger-93", "repeat": "Lantern-Tiger-93"})
    db.session.expire_all()
    assert db.session.get(User, world.users["am_a1"].id).password_hash == before
