"""Short callback ids: within Telegram's 64 bytes, one accepted press per keyboard, bounded memory."""

from __future__ import annotations

from frontends.telegram_bot.callbacks import CallbackStore, ClaimStatus

LONG_PAYLOAD = '/inform{"person_name": "عبدالرحمن بن عبدالعزيز آل سعود", "iqama_number": "2180967925"}'


def test_ids_are_short_unique_and_reveal_nothing_of_the_payload():
    store = CallbackStore()
    issued = store.register([("تأكيد", "/affirm"), ("الاسم", LONG_PAYLOAD)])
    issued += store.register([("تأكيد", "/affirm")])
    ids = [cid for _, cid in issued]
    assert len(set(ids)) == 3
    assert all(len(cid.encode()) <= 64 and "affirm" not in cid for cid in ids)
    assert [title for title, _ in issued] == ["تأكيد", "الاسم", "تأكيد"]


def test_the_first_press_is_accepted_and_any_later_press_of_that_keyboard_is_not():
    store = CallbackStore()
    (_, yes), (_, no) = store.register([("نعم", "/affirm"), ("لا", "/deny")])
    ((_, other),) = store.register([("نعم", "/affirm")])
    first = store.claim(yes, user_id=1)
    assert (first.status, first.title, first.payload) == (ClaimStatus.ACCEPTED, "نعم", "/affirm")
    assert store.claim(yes, user_id=1).status is ClaimStatus.ALREADY_USED
    assert store.claim(no, user_id=1).status is ClaimStatus.ALREADY_USED
    assert store.claim(other, user_id=1).status is ClaimStatus.ACCEPTED  # another keyboard


def test_unknown_ids_and_other_users_are_refused():
    store = CallbackStore()
    ((_, mine),) = store.register([("نعم", "/affirm")], user_id=1)
    assert store.claim("forged-id", user_id=1).status is ClaimStatus.UNKNOWN
    assert store.claim(mine, user_id=2).status is ClaimStatus.NOT_YOURS
    assert store.claim(mine, user_id=1).status is ClaimStatus.ACCEPTED


def test_the_oldest_keyboards_are_forgotten_beyond_the_bound():
    store = CallbackStore(max_keyboards=3)
    ids = [store.register([("نعم", f"/affirm{n}")])[0][1] for n in range(5)]
    assert len(store) == 3
    assert [store.claim(cid, user_id=1).status for cid in ids] == [
        ClaimStatus.UNKNOWN,
        ClaimStatus.UNKNOWN,
        ClaimStatus.ACCEPTED,
        ClaimStatus.ACCEPTED,
        ClaimStatus.ACCEPTED,
    ]
