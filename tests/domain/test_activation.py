"""Activation codes: single use, expiring, stored hashed; one answer for a wrong, used or expired code;
attempts limited per account (rolling window) and per code (SPEC 9.7), recorded even when refused."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from replies import _ as translated
from residency.activation import (
    WRONG_CODE_MESSAGE,
    _hash,
    activate,
    add_user,
    issue_code,
)
from residency.db import UnitOfWork
from residency.errors import InvalidInput, Refusal
from residency.models import ActivationAttempt, ActivationCode, utcnow
from residency.rules import RULES
from residency.services import resolve_actor
from tests.domain import factories as f

LIMIT = RULES["activation"]["max_failed_attempts_per_account"]
PER_CODE = RULES["activation"]["max_failed_attempts_per_code"]
THROTTLED_AN_HOUR = (
    "تجاوزت عدد محاولات التفعيل المسموح به (5 محاولات خاطئة خلال ساعة)، فلن يُقبل أي رمز تفعيل من حسابك "
    "مؤقتًا، حتى الرمز الصحيح. انتظر ساعة ثم أرسل: /start الرمز من جديد."
)


@pytest.fixture
def est_number(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, number="7000000033", name_ar="مؤسسة النخبة")
        f.establishment(uow, number="7000000044")
        uow.commit()
        return est.number


def new_code(engine, number, **kw):
    with UnitOfWork(engine) as uow:
        return issue_code(uow, number, **kw)


def code_row(uow, code) -> ActivationCode:
    return uow.session.execute(select(ActivationCode).where(ActivationCode.code_hash == _hash(code))).scalar_one()


def user_of(engine, telegram_id):
    with UnitOfWork(engine) as uow:
        user = uow.repo.user_by_telegram_id(telegram_id)
        return None if user is None else (user.establishment_id, user.role)


def attempts(engine, telegram_id) -> list[str]:
    """The recorded outcomes of the account's attempts, oldest first (as committed)."""
    with UnitOfWork(engine) as uow:
        return list(
            uow.session.scalars(
                select(ActivationAttempt.outcome)
                .where(ActivationAttempt.telegram_id == telegram_id)
                .order_by(ActivationAttempt.id)
            )
        )


def fail(telegram_id, times, code="WRONG234"):
    for _ in range(times):
        with pytest.raises(InvalidInput) as err:
            activate(telegram_id, code)
        assert err.value.code == "wrong_code"


def throttled(telegram_id, code) -> Refusal:
    with pytest.raises(Refusal) as err:
        activate(telegram_id, code)
    assert err.value.code == "activation_throttled"
    return err.value


def backdate_attempts(engine, telegram_id, minutes):
    with UnitOfWork(engine) as uow:
        uow.session.execute(
            update(ActivationAttempt)
            .where(ActivationAttempt.telegram_id == telegram_id)
            .values(created_at=utcnow() - timedelta(minutes=minutes))
        )
        uow.commit()


def test_code_activates_once_and_is_stored_hashed(engine, est_number):
    code = new_code(engine, est_number)
    with UnitOfWork(engine) as uow:
        stored = uow.session.execute(select(ActivationCode.code_hash)).scalar_one()
    assert code not in stored and len(stored) == 64
    result = activate(42, f"  {code.lower()} ")
    assert (result.establishment_name, result.role) == ("مؤسسة النخبة", "owner")
    with pytest.raises(InvalidInput) as err:
        activate(43, code)
    assert (err.value.code, err.value.message) == ("wrong_code", translated(WRONG_CODE_MESSAGE))
    assert user_of(engine, 43) is None


def test_wrong_used_and_expired_codes_get_one_and_the_same_answer(engine, est_number):
    used, expired = new_code(engine, est_number), new_code(engine, est_number)
    activate(42, used)
    with UnitOfWork(engine) as uow:
        code_row(uow, expired).expires_at = utcnow() - timedelta(minutes=1)
        uow.commit()
    answers = []
    for attempt in ("NOTACODE", used, expired):
        with pytest.raises(InvalidInput) as err:
            activate(50, attempt)
        answers.append((type(err.value), err.value.code, err.value.message, err.value.details))
    assert answers == [(InvalidInput, "wrong_code", translated(WRONG_CODE_MESSAGE), {})] * 3
    assert translated(WRONG_CODE_MESSAGE) == (
        "رمز التفعيل غير صحيح أو لم يعد صالحًا. تأكد من الرمز كما وصلك من مالك المنشأة وأرسل: /start الرمز، "
        "أو اطلب منه رمزًا جديدًا."
    )
    assert user_of(engine, 50) is None
    # Each refused attempt is recorded (committed); the real codes presented count against themselves.
    assert attempts(engine, 50) == ["wrong", "used", "expired"]
    with UnitOfWork(engine) as uow:
        assert (code_row(uow, used).failed_attempts, code_row(uow, expired).failed_attempts) == (1, 1)


def test_agent_code_grants_only_its_services(engine, est_number):
    code = new_code(engine, est_number, role="agent", services="inquire_resident,renew_iqama")
    assert activate(50, code).role == "agent"
    with UnitOfWork(engine) as uow:
        assert uow.repo.user_by_telegram_id(50).service_set == {"inquire_resident", "renew_iqama"}
    with UnitOfWork(engine) as uow, pytest.raises(InvalidInput):
        issue_code(uow, est_number, role="agent", services="fly_to_moon")
    with UnitOfWork(engine) as uow, pytest.raises(InvalidInput):
        issue_code(uow, est_number, role="agent")


def test_an_account_may_be_a_user_of_several_establishments(engine, est_number):
    with UnitOfWork(engine) as uow:
        add_user(uow, "7000000044", 60, "owner")
    code = new_code(engine, est_number, role="agent", services="renew_iqama")
    assert activate(60, code).establishment_name == "مؤسسة النخبة"
    with UnitOfWork(engine) as uow:
        roles = sorted((u.establishment.number, u.role, u.services) for u in uow.repo.memberships(60))
        assert roles == [("7000000033", "agent", "renew_iqama"), ("7000000044", "owner", "")]
        assert resolve_actor(uow, 60).establishment_number == "7000000033"  # the code's: it works on it now
    assert attempts(engine, 60) == ["activated"]  # not a failure
    with UnitOfWork(engine) as uow, pytest.raises(Refusal) as err:
        add_user(uow, est_number, 60, "owner")
    assert err.value.code == "already_user"


def test_a_user_added_by_the_administrator_keeps_working_on_its_establishment(engine, est_number):
    with UnitOfWork(engine) as uow:
        add_user(uow, "7000000044", 61, "owner")
        add_user(uow, est_number, 61, "agent", "inquire_resident", name="سالم")
    with UnitOfWork(engine) as uow:
        assert resolve_actor(uow, 61).establishment_number == "7000000044"
        assert uow.repo.user_in(uow.repo.establishment_by_number(est_number).id, 61).display_name == "سالم"


# limits -------------------------------------------------------------------------------------------


def test_five_failures_throttle_the_account_even_for_the_right_code(engine, est_number):
    code = new_code(engine, est_number)
    fail(70, LIMIT)
    err = throttled(70, code)
    assert err.message == THROTTLED_AN_HOUR and err.details == {"retry_after_minutes": 60}
    fail_more = [throttled(70, "WRONG234").message for _ in range(20)]  # hammering changes nothing
    assert set(fail_more) == {THROTTLED_AN_HOUR}
    assert user_of(engine, 70) is None
    with UnitOfWork(engine) as uow:
        row = code_row(uow, code)
        assert row.used_at is None and row.failed_attempts == 1  # the right code, refused once
    # Every attempt was recorded and committed although each was refused.
    assert attempts(engine, 70) == ["wrong"] * LIMIT + ["throttled"] * 21
    # Another account is not affected.
    assert activate(71, code).role == "owner"


def test_the_limit_is_a_rolling_window(engine, est_number):
    code = new_code(engine, est_number)
    fail(72, LIMIT)
    backdate_attempts(engine, 72, 59)
    err = throttled(72, code)
    assert err.details == {"retry_after_minutes": 1}
    assert err.message.endswith("انتظر دقيقة واحدة ثم أرسل: /start الرمز من جديد.")
    backdate_attempts(engine, 72, 61)  # the failures (and the throttled try) have left the hour
    assert activate(72, code).establishment_name == "مؤسسة النخبة"
    assert attempts(engine, 72) == ["wrong"] * LIMIT + ["throttled", "activated"]


def test_four_failures_do_not_throttle(engine, est_number):
    code = new_code(engine, est_number)
    fail(73, LIMIT - 1)
    assert activate(73, code).role == "owner"


def test_wait_counts_from_the_oldest_failure_of_the_last_five(engine, est_number):
    fail(74, 2)
    backdate_attempts(engine, 74, 50)  # these two leave the window in 10 minutes
    fail(74, LIMIT - 2)
    err = throttled(74, "WRONG234")
    assert err.details == {"retry_after_minutes": 10}
    assert "انتظر 10 دقائق ثم" in err.message


def test_a_code_presented_and_refused_five_times_is_spent(engine, est_number):
    code = new_code(engine, est_number)
    fail(75, LIMIT)
    for _ in range(PER_CODE):
        throttled(75, code)  # someone throttled holds the real code
    with UnitOfWork(engine) as uow:
        assert code_row(uow, code).failed_attempts == PER_CODE
    with pytest.raises(InvalidInput) as err:  # the code no longer activates anyone
        activate(76, code)
    assert (err.value.code, err.value.message) == ("wrong_code", translated(WRONG_CODE_MESSAGE))
    assert user_of(engine, 76) is None and attempts(engine, 76) == ["spent"]
    assert activate(76, new_code(engine, est_number)).role == "owner"  # a new code does


def test_simultaneous_guesses_of_one_account_do_not_slip_under_the_limit(engine, est_number):
    threads_count = 10
    barrier = threading.Barrier(threads_count)
    answers = []

    def guess(i):
        barrier.wait()
        try:
            activate(77, f"WRONG{i:03d}")
        except (InvalidInput, Refusal) as err:
            answers.append(err.code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers) == ["activation_throttled"] * (threads_count - LIMIT) + ["wrong_code"] * LIMIT
    assert sorted(attempts(engine, 77)) == ["throttled"] * (threads_count - LIMIT) + ["wrong"] * LIMIT


def test_answers_in_english():
    from replies import language
    from residency import activation
    from residency.activation import throttle_message

    with language("en"):
        assert translated(activation.WRONG_CODE_MESSAGE).startswith("The activation code is wrong or no longer valid.")
        assert throttle_message(5, 60, 2) == (
            "You went over the number of activation attempts allowed (5 wrong attempts within 1 hour), so no "
            "activation code from your account is accepted for now, not even the right one. Wait two minutes, "
            "then send /start CODE again."
        )
        assert "(1 wrong attempt within 10 minutes)" in throttle_message(1, 10, 1)
    assert "(محاولتان خاطئتان خلال دقيقتين)" in throttle_message(2, 2, 1)
    assert "(100 محاولة خلال 100 دقيقة)" in throttle_message(100, 100, 1)
