"""Inviting users, roles and teams, and deactivation with one-step reassignment."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken, CompanySettings, Team, User
from pipeline import services as pipeline_services
from pipeline.models import Activity, Deal, Lead, Organization, StageChange, StageTotal
from shared.errors import NotAllowed, RuleViolation

pytestmark = pytest.mark.django_db


def test_invitation_email_lets_the_user_choose_a_password_and_log_in(
    client, admin, team_a, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:user_list"),
            {
                "email": "Nina.New@Example.com",
                "first_name": "Nina",
                "role": "rep",
                "team": team_a.pk,
            },
        )
    assert response.status_code == 302
    nina = User.objects.get(email="nina.new@example.com")
    assert (nina.username, nina.role, nina.team, nina.has_usable_password()) == (
        "nina.new",
        "rep",
        team_a,
        False,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina.new@example.com"]
    assert "Ada Admin invited you" in message.subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    client.logout()
    # Django redirects the token URL to a session-bound "set-password" URL.
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Choose a password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-Very-good-pass-42", "new_password2": "a-Very-good-pass-42"},
    )
    assert done.status_code == 302
    assert client.login(username="nina.new", password="a-Very-good-pass-42")
    # The link works once.
    client.logout()
    assert "already used or has expired" in client.get(link, follow=True).content.decode()


def test_invitation_is_sent_only_after_commit(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.user_invite(actor=admin, email="x@example.com", base_url="https://crm.test/")
    assert len(mail.outbox) == 0 and len(callbacks) == 1


def test_invite_refuses_duplicates_and_bad_input(admin, rep, teammate):
    with pytest.raises(RuleViolation, match="already has an account"):
        services.user_invite(actor=admin, email="RITA@example.com", base_url="http://x/")
    with pytest.raises(RuleViolation, match="valid email"):
        services.user_invite(actor=admin, email="not-an-email", base_url="http://x/")
    with pytest.raises(RuleViolation, match="Unknown role"):
        services.user_invite(actor=admin, email="z@example.com", role="boss", base_url="http://x/")
    with pytest.raises(NotAllowed):
        services.user_invite(actor=teammate, email="q@example.com", base_url="http://x/")
    assert not User.objects.filter(email__in=["z@example.com", "q@example.com"]).exists()


def test_password_reset_by_email(client, rep, django_capture_on_commit_callbacks):
    # Queued through the outbox; sent after the (test's) commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "rita@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert "Your username is rita" in mail.outbox[0].body


def test_roles_and_teams_are_set_by_admins(admin, rep, manager, team_b, other_manager):
    services.user_update(user=rep, actor=admin, role="rep", team=team_b)
    assert User.objects.get(pk=rep.pk).team == team_b
    with pytest.raises(RuleViolation, match="leads Team A"):
        services.user_update(user=manager, actor=admin, role="rep", team=None)
    with pytest.raises(RuleViolation, match="only admin"):
        services.user_update(user=admin, actor=admin, role="manager", team=None)
    team = services.team_create(actor=admin, name="Inside sales", manager=other_manager)
    assert team.manager == other_manager
    with pytest.raises(RuleViolation, match="manager role"):
        services.team_update(team=team, actor=admin, name="Inside sales", manager=rep)


def test_company_setting_page_switches_reps_see_all_deals(client, admin):
    client.force_login(admin)
    response = client.post(reverse("accounts:company_settings"), {"reps_see_all_deals": "on"})
    assert response.status_code == 302
    assert CompanySettings.load().reps_see_all_deals is True
    client.post(reverse("accounts:company_settings"), {})
    assert CompanySettings.load().reps_see_all_deals is False


@pytest.fixture
def ritas_work(rep, teammate, make_deal, stages, lost_reason, usd):
    """Rita's book: two open deals (EUR, USD), one won deal, an open and a converted lead,
    a pending and a done activity, an organization, and an API token."""
    org = Organization.objects.create(name="Acme", owner=rep)
    open_eur = make_deal(title="Open EUR", value=Decimal("100"), organization=org)
    open_usd = make_deal(title="Open USD", value=Decimal("50"), currency="USD")
    won = make_deal(title="Won")
    pipeline_services.deal_win(deal=won, expected_version=1, actor=rep)
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    pending = pipeline_services.activity_create(
        actor=rep, deal=open_eur, type="call", subject="Call", due_date=tomorrow
    )
    done = pipeline_services.activity_create(
        actor=rep, deal=open_eur, type="meeting", subject="Met", due_date=tomorrow, done=True
    )
    lead = Lead.objects.create(title="Inbound", owner=rep)
    token, _ = services.api_token_create(user=rep, name="CLI")
    return {
        "open": [open_eur, open_usd],
        "won": won,
        "pending": pending,
        "done": done,
        "lead": lead,
        "org": org,
        "token": token,
    }


def test_deactivate_reassigns_open_work_in_one_step(admin, rep, teammate, ritas_work):
    result = services.user_deactivate(user=rep, reassign_to=teammate, actor=admin)
    assert (result.deals, result.leads, result.activities, result.tokens) == (2, 1, 1, 1)
    assert not User.objects.get(pk=rep.pk).is_active
    for deal in ritas_work["open"]:
        fresh = Deal.objects.get(pk=deal.pk)
        assert (fresh.owner, fresh.updated_by, fresh.version) == (teammate, admin, 2)
    # History of who won a deal stays with who did it; so do done activities.
    assert Deal.objects.get(pk=ritas_work["won"].pk).owner == rep
    assert Activity.objects.get(pk=ritas_work["done"].pk).owner == rep
    assert Activity.objects.get(pk=ritas_work["pending"].pk).owner == teammate
    assert Lead.objects.get(pk=ritas_work["lead"].pk).owner == teammate
    assert Organization.objects.get(pk=ritas_work["org"].pk).owner == teammate
    assert ApiToken.objects.get(pk=ritas_work["token"].pk).revoked_by == admin
    # Nothing was deleted and no history rewritten.
    assert Deal.objects.count() == 3
    assert StageChange.objects.filter(deal__in=ritas_work["open"]).count() == 2
    # No open deal is left with a deactivated owner.
    assert not Deal.objects.filter(status="open", owner__is_active=False).exists()


def test_deactivation_is_all_or_nothing(admin, manager, rep, teammate, team_a, ritas_work):
    # Mona leads Team A, and Tom (a rep) cannot take a team over: nothing happens.
    with pytest.raises(RuleViolation, match="leads Team A"):
        services.user_deactivate(user=manager, reassign_to=teammate, actor=admin)
    assert User.objects.get(pk=manager.pk).is_active
    with pytest.raises(RuleViolation, match="deactivate yourself"):
        services.user_deactivate(user=admin, reassign_to=rep, actor=admin)
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    with pytest.raises(RuleViolation, match="cannot take over"):
        services.user_deactivate(user=teammate, reassign_to=rep, actor=admin)
    assert User.objects.get(pk=teammate.pk).is_active


def test_a_manager_leaving_hands_the_team_to_another_manager(admin, manager, other_manager, team_a):
    result = services.user_deactivate(user=manager, reassign_to=other_manager, actor=admin)
    assert result.teams == 1
    assert Team.objects.get(pk=team_a.pk).manager == other_manager


def test_deactivate_page(client, admin, rep, teammate, ritas_work):
    client.force_login(admin)
    url = reverse("accounts:user_deactivate", args=[rep.pk])
    missing = client.post(url, {})
    assert missing.status_code == 422
    assert "Choose who takes over" in missing.content.decode()
    response = client.post(url, {"reassign_to": teammate.pk}, follow=True)
    assert response.status_code == 200
    assert "Tom Teammate now owns their 2 open deals" in response.content.decode()
    assert not User.objects.get(pk=rep.pk).is_active


def test_deactivated_user_is_logged_out_and_cannot_log_in_again(
    client, admin, rep, teammate, pipeline
):
    client.force_login(rep)
    assert client.get("/").status_code == 200
    services.user_deactivate(user=rep, reassign_to=teammate, actor=admin)
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not client.login(username="rita", password="pw-for-tests-123")


def test_reassignment_runs_in_constant_statements(
    admin, rep, teammate, make_deal, django_assert_max_num_queries
):
    for i in range(25):
        make_deal(title=f"D{i}")
    # savepoint, lock deals, external id clashes, deal UPDATE, board totals (read the owner's
    # rows, create the missing rows of the new owner, add, zero the old), board touch (one
    # pipeline: create the missing version rows, bump the old and the new owner's), leads,
    # activities, organizations, people, release: 16 for 25 deals as for 2500.
    with django_assert_max_num_queries(16):
        from pipeline.services import owner_reassign_open_work

        result = owner_reassign_open_work(from_user=rep, to_user=teammate, actor=admin)
    assert result.deals == 25
    assert set(Deal.objects.values_list("owner_id", "version", "updated_by_id")) == {
        (teammate.pk, 2, admin.pk)
    }
    # The board totals moved with the deals.
    kept = {(t.owner_id, t.open_count) for t in StageTotal.objects.filter(open_count__gt=0)}
    assert kept == {(teammate.pk, 25)}


def test_an_invitation_can_be_sent_again_until_a_password_is_chosen(
    client, admin, rep, django_capture_on_commit_callbacks
):
    invited = services.user_invite(actor=admin, email="late@example.com", base_url="http://x/")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:user_invite_resend", args=[invited.pk]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["late@example.com"]]
    with pytest.raises(RuleViolation, match="already chosen a password"):
        services.user_invite_resend(user=rep, actor=admin, base_url="http://x/")


def test_leaving_the_admin_role_drops_superuser_powers(admin, rep):
    other = User.objects.create_user("root", role="admin", is_superuser=True, is_staff=True)
    services.user_update(user=other, actor=admin, role="rep", team=None)
    fresh = User.objects.get(pk=other.pk)
    assert (fresh.is_superuser, fresh.is_staff, fresh.is_admin) == (False, False, False)
