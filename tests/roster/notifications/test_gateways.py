"""SMS gateways against a local stand-in for each, and the text of one SMS."""

import json

import pytest

from roster.notifications.gateways import BACKENDS, base, get_backend, locmem, send_sms
from tests.gateway import FakeGateway


def test_text_is_plain_and_fits_one_segment(settings):
    settings.SMS_STRIP_DIACRITICS = True
    body = base.fit_segment("Trực Ban: ca trực nhánh 2 của đồng chí Đặng Quốc Bảo " * 5)
    assert body.startswith("Truc Ban: ca truc nhanh 2 cua dong chi Dang Quoc Bao")
    assert len(body) == 160 and body.endswith("...")
    assert body.isascii()


def test_diacritics_can_be_kept(settings):
    settings.SMS_STRIP_DIACRITICS = False
    assert base.fit_segment("Ca trực") == "Ca trực"


def test_the_file_backend_appends_one_json_object_a_line(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    send_sms(to="+84912345678", body="một", key="k1")
    send_sms(to="+84912345678", body="hai", key="k2")
    lines = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert lines == [
        {"to": "+84912345678", "body": "mot", "key": "k1"},
        {"to": "+84912345678", "body": "hai", "key": "k2"},
    ]


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_each_short_name_names_a_gateway(settings, name):
    settings.SMS_BACKEND = name
    assert isinstance(get_backend(), base.SmsBackend)


def test_a_dotted_path_names_a_backend(settings):
    settings.SMS_BACKEND = "roster.notifications.gateways.locmem.LocmemBackend"
    locmem.outbox.clear()
    send_sms(to="+84912345678", body="x", key="k")
    assert locmem.outbox == [{"to": "+84912345678", "body": "x", "key": "k"}]


@pytest.fixture
def http_gateway(settings):
    def start(*answers):
        gateway = FakeGateway(answers)
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url + "/send"
        settings.SMS_HTTP_TOKEN = "secret-token"
        return gateway

    return start


def test_the_http_gateway_gets_the_contracts_json_and_bearer_token(http_gateway):
    with http_gateway((202, {"ok": True})) as gateway:
        send_sms(to="+84912345678", body="Nhắc ca", key="reminder:1:1h:sms")
    path, headers, body = gateway.requests[0]
    assert path == "/send"
    assert headers["Authorization"] == "Bearer secret-token"
    assert body == {"to": "+84912345678", "body": "Nhac ca", "key": "reminder:1:1h:sms"}


def test_a_5xx_from_the_http_gateway_is_temporary(http_gateway):
    with http_gateway((503, {"error": "busy"})), pytest.raises(base.TemporaryError, match="503"):
        send_sms(to="+84912345678", body="x", key="k")


def test_a_4xx_from_the_http_gateway_is_permanent(http_gateway):
    with http_gateway((400, {"error": "bad number"})), pytest.raises(base.PermanentError, match="bad number"):
        send_sms(to="+84912345678", body="x", key="k")


def test_a_gateway_that_does_not_answer_is_temporary(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:1/send"
    with pytest.raises(base.TemporaryError):
        send_sms(to="+84912345678", body="x", key="k")


def test_esms_gets_its_fields_and_the_key_as_request_id(settings):
    with FakeGateway([(200, {"CodeResult": "100", "SMSID": "abc"})]) as gateway:
        settings.SMS_BACKEND = "esms"
        settings.ESMS_URL = gateway.url + "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
        settings.ESMS_API_KEY, settings.ESMS_SECRET_KEY, settings.ESMS_BRANDNAME = "key", "secret", "CAMAU1022"
        send_sms(to="+84912345678", body="Nhắc ca", key="reminder:7:24h:sms")
    _, _, body = gateway.requests[0]
    assert body["ApiKey"] == "key" and body["SecretKey"] == "secret" and body["Brandname"] == "CAMAU1022"
    assert body["Phone"] == "0912345678"
    assert body["Content"] == "Nhac ca"
    assert body["RequestId"] == "reminder:7:24h:sms"
    assert body["SmsType"] == "2"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"CodeResult": "101", "ErrorMessage": "Authorize Failed"}, base.PermanentError),
        ({"CodeResult": "103", "ErrorMessage": "Balance not enough"}, base.PermanentError),
        ({"CodeResult": "99", "ErrorMessage": "Unknown error"}, base.TemporaryError),
    ],
)
def test_esms_error_answers_become_clear_failures(settings, answer, error):
    with FakeGateway([(200, answer)]) as gateway:
        settings.SMS_BACKEND = "esms"
        settings.ESMS_URL = gateway.url + "/esms"
        with pytest.raises(error, match=answer["ErrorMessage"]):
            send_sms(to="+84912345678", body="x", key="k")


def test_speedsms_gets_basic_auth_with_the_token(settings):
    with FakeGateway([(200, {"status": "success", "code": "00", "data": {}})]) as gateway:
        settings.SMS_BACKEND = "speedsms"
        settings.SPEEDSMS_URL = gateway.url + "/index.php/sms/send"
        settings.SPEEDSMS_TOKEN, settings.SPEEDSMS_SENDER = "tok", "CAMAU1022"
        send_sms(to="+84912345678", body="Nhắc ca", key="k")
    path, headers, body = gateway.requests[0]
    assert path == "/index.php/sms/send"
    assert headers["Authorization"] == "Basic dG9rOng="  # base64("tok:x")
    assert body == {"to": ["84912345678"], "content": "Nhac ca", "sms_type": 2, "sender": "CAMAU1022"}


def test_speedsms_error_answers_become_clear_failures(settings):
    with FakeGateway([(200, {"status": "error", "code": "007", "message": "IP is locked"})]) as gateway:
        settings.SMS_BACKEND = "speedsms"
        settings.SPEEDSMS_URL = gateway.url + "/send"
        with pytest.raises(base.PermanentError, match="IP is locked"):
            send_sms(to="+84912345678", body="x", key="k")
