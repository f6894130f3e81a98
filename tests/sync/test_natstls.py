"""The certificates of the city–county links: made once, kept, and made again when stale."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.sync.natstls import ensure

COUNTIES = ["zz-gongyi", "zz-xinmi"]


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _alt_names(cert: x509.Certificate) -> list[object]:
    return list(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)


def _usage(cert: x509.Certificate) -> list[x509.ObjectIdentifier]:
    return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def test_a_ca_signs_the_hub_for_its_address_and_each_county(tmp_path: Path) -> None:
    files, written = ensure(tmp_path / "tls", city="zz", host="10.1.2.3", county_tokens=COUNTIES)
    assert set(written) == {files.ca, files.ca_key, *files.hub,
                            *(p for t in COUNTIES for p in files.leaf(t))}
    ca = _cert(files.ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    hub = _cert(files.hub[0])
    hub.verify_directly_issued_by(ca)
    assert _alt_names(hub) == [x509.IPAddress(ipaddress.ip_address("10.1.2.3"))]
    assert _usage(hub) == [ExtendedKeyUsageOID.SERVER_AUTH]
    for county in COUNTIES:
        leaf = _cert(files.leaf(county)[0])
        leaf.verify_directly_issued_by(ca)
        assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == county
        assert _usage(leaf) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    keys = [files.ca_key, files.hub[1], *(files.leaf(t)[1] for t in COUNTIES)]
    assert all(stat.S_IMODE(k.stat().st_mode) == 0o600 for k in keys)
    assert stat.S_IMODE(files.ca.stat().st_mode) == 0o644


def test_running_again_keeps_every_file(tmp_path: Path) -> None:
    files, _ = ensure(tmp_path, city="zz", host="hub.zz.gov", county_tokens=COUNTIES)
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    again, written = ensure(tmp_path, city="zz", host="hub.zz.gov", county_tokens=COUNTIES)
    assert written == [] and again == files
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert _alt_names(_cert(files.hub[0])) == [x509.DNSName("hub.zz.gov")]


def test_a_new_address_or_county_gets_a_certificate_and_nothing_else(tmp_path: Path) -> None:
    files, _ = ensure(tmp_path, city="zz", host="10.1.2.3", county_tokens=COUNTIES[:1])
    ca, gongyi = files.ca.read_bytes(), files.leaf(COUNTIES[0])[0].read_bytes()
    _, written = ensure(tmp_path, city="zz", host="[fd00::7]", county_tokens=COUNTIES)
    assert set(written) == {*files.hub, *files.leaf(COUNTIES[1])}
    assert files.ca.read_bytes() == ca and files.leaf(COUNTIES[0])[0].read_bytes() == gongyi
    assert _alt_names(_cert(files.hub[0])) == [x509.IPAddress(ipaddress.ip_address("fd00::7"))]


def test_a_lost_ca_makes_every_certificate_again(tmp_path: Path) -> None:
    files, _ = ensure(tmp_path, city="zz", host="10.1.2.3", county_tokens=COUNTIES)
    old = files.leaf(COUNTIES[0])[0].read_bytes()
    files.ca_key.unlink()
    _, written = ensure(tmp_path, city="zz", host="10.1.2.3", county_tokens=COUNTIES)
    assert len(written) == 2 + 2 + 2 * len(COUNTIES)
    assert files.leaf(COUNTIES[0])[0].read_bytes() != old
    _cert(files.leaf(COUNTIES[0])[0]).verify_directly_issued_by(_cert(files.ca))

