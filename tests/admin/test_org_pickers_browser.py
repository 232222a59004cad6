"""Pickers of organizations and account managers narrow to the bank (or bureau) chosen above them
(static/js/page.js, in Debian Chromium, in Chinese)."""
from __future__ import annotations

from crm.extensions import db
from crm.people.models import Organization
from tests.browser import check, offered, sign_in


def test_choosing_a_bank_branch_leaves_only_its_account_managers_on_the_pair_form(people, live_server, browser):
    context, page, watch = sign_in(browser, live_server, "admin")
    page.goto(f"{live_server}/admin/pairs/new")
    assert len(offered(page, "#region_id")) == 5  # both counties and their three towns until a county is chosen
    county = people.counties[1]
    page.select_option("#county_id", label=county.name)  # the county itself and its one town
    assert offered(page, "#region_id") == [county.name, f"{county.name} / {people.towns[2].name}"]
    assert len(offered(page, "#account_manager_id")) == 3  # every account manager until a branch is chosen
    bank, branch_b = people.orgs["bank"].name, people.orgs["branch_b"].name
    page.select_option("#bank_org_id", label=f"{bank} / {branch_b}")
    assert offered(page, "#account_manager_id") == [f"吴刚 · {branch_b}"]
    page.select_option("#bank_org_id", label=bank)  # the bank: the account managers of all its branches
    assert len(offered(page, "#account_manager_id")) == 3
    check(page, watch)
    context.close()


def test_choosing_an_organization_above_leaves_it_and_those_under_it_on_the_user_form(people, live_server, browser):
    outlet = Organization(name="邮储银行长子县丹朱营业所", kind="bank", parent=people.orgs["branch_a"])
    db.session.add(outlet)
    db.session.commit()
    context, page, watch = sign_in(browser, live_server, "admin")
    page.goto(f"{live_server}/admin/users/new")
    everything = offered(page, "#organization_id")
    assert len(everything) == 10
    bank, branch_a = people.orgs["bank"].name, people.orgs["branch_a"].name
    page.select_option("#organization_above", label=f"{bank} / {branch_a}")  # a branch: itself and its outlet
    assert offered(page, "#organization_id") == [f"{bank} / {branch_a}", f"{bank} / {branch_a} / {outlet.name}"]
    page.select_option("#organization_id", label=f"{bank} / {branch_a} / {outlet.name}")
    page.select_option("#organization_above", label=bank)  # the bank: every bank organization, the outlet kept
    assert offered(page, "#organization_id") == [o for o in everything if o.startswith(bank)]
    assert page.locator("#organization_id option:checked").inner_text().endswith(outlet.name)
    check(page, watch)
    context.close()
