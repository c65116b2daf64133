"""The box's own certificates (issue 21): an authority made once and limited to local
names and private addresses, a server certificate made again only when its names change or
its end nears, keys only for root, an iOS profile that carries the authority."""

from __future__ import annotations

import datetime as dt
import ipaddress
import plistlib
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from appliance.https import certificates
from appliance.https.certificates import CertificateError, Names, box_names, ensure
from appliance.https.profile import mobileconfig

NAMES = Names(("shoebox.local", "localhost"), (ipaddress.ip_address("192.168.1.20"),))


def _server(folder: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / certificates.SERVER).read_bytes())


def test_the_authority_is_made_once_and_the_server_certificate_when_needed(
    tmp_path: Path,
) -> None:
    assert ensure(tmp_path, NAMES) is True
    ca = certificates.authority(tmp_path)
    first = _server(tmp_path)
    assert ensure(tmp_path, NAMES) is False  # nothing changed: nothing made
    assert _server(tmp_path).serial_number == first.serial_number

    moved = Names(NAMES.dns, (ipaddress.ip_address("192.168.1.77"),))  # a new DHCP address
    assert ensure(tmp_path, moved) is True
    assert _server(tmp_path).serial_number != first.serial_number
    assert certificates.fingerprint(certificates.authority(tmp_path)) == certificates.fingerprint(
        ca
    )  # the phone's trust stays valid

    for name in (certificates.CA_KEY, certificates.SERVER_KEY):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / certificates.CA).stat().st_mode) == 0o644
    assert not list(tmp_path.glob(".*partial"))


def test_a_server_certificate_near_its_end_is_renewed(tmp_path: Path, monkeypatch) -> None:
    ensure(tmp_path, NAMES)
    first = _server(tmp_path).serial_number
    later = dt.datetime.now(dt.UTC) + certificates.SERVER_LIFETIME - dt.timedelta(days=10)
    monkeypatch.setattr(certificates, "_now", lambda: later)
    assert ensure(tmp_path, NAMES) is True and _server(tmp_path).serial_number != first


def test_a_standard_tls_client_trusts_the_chain_for_the_box_names_only(tmp_path: Path) -> None:
    ensure(tmp_path, NAMES)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / certificates.SERVER, tmp_path / certificates.SERVER_KEY)
    ca = certificates.authority(tmp_path)
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints).value
    permitted = {str(n.value) for n in constraints.permitted_subtrees}
    assert {"local", "localhost", "192.168.0.0/16", "10.0.0.0/8", "fc00::/7"} <= permitted
    leaf = _server(tmp_path)
    alternative = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(alternative.get_values_for_type(x509.DNSName)) == {"shoebox.local", "localhost"}
    leaf.verify_directly_issued_by(ca)
    assert len((tmp_path / certificates.SERVER).read_text().split("BEGIN CERTIFICATE")) == 3


def test_box_names_hold_only_what_the_authority_may_vouch_for() -> None:
    names = box_names(["nas.local", "10.1.2.3"])
    assert names.dns[0] == "shoebox.local" and "nas.local" in names.dns
    assert ipaddress.ip_address("10.1.2.3") in names.addresses
    assert all(certificates._private(a) for a in names.addresses)
    with pytest.raises(CertificateError):
        box_names(["photos.example.com"])
    with pytest.raises(CertificateError):
        box_names(["8.8.8.8"])


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(CertificateError, match="cannot write certificates"):
        ensure(blocked / "tls", NAMES)


def test_the_ios_profile_carries_the_authority(tmp_path: Path) -> None:
    ensure(tmp_path, NAMES)
    ca = certificates.authority(tmp_path)
    profile = plistlib.loads(mobileconfig(ca, "shoebox.local"))
    assert profile["PayloadType"] == "Configuration"
    [payload] = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.security.root"
    assert x509.load_der_x509_certificate(payload["PayloadContent"]) == ca
    assert mobileconfig(ca, "shoebox.local") == mobileconfig(ca, "shoebox.local")


def test_the_command_makes_them_without_the_library_disk(tmp_path: Path, monkeypatch) -> None:
    """At boot the library disk may not be there yet (the VM test caught the command
    waiting for it, and nginx then not starting)."""
    from appliance.cli import main

    monkeypatch.setenv("SHOEBOX_LIBRARY_DISK", "1")
    empty_mount_point = tmp_path / "srv"
    empty_mount_point.mkdir()
    code = main(
        ["--library", str(empty_mount_point), "certificate", "--dir", str(tmp_path / "tls")]
    )
    assert code == 0 and (tmp_path / "tls" / certificates.SERVER).is_file()
    assert not any(empty_mount_point.iterdir())
