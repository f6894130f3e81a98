"""Certificates for TLS on the city–county leafnode links (``xuncha nats-config --tls``).

The links cross the government intranet and carry clue persons of
city-managed cadres, so they can be encrypted and mutually authenticated
without any outside certificate authority: the city office keeps a private
CA of its own (``ca-key.pem`` never leaves the city), the hub presents a
server certificate for the address the counties dial (``--host``), and each
county's leaf server presents a client certificate naming the county. The
hub accepts a leaf only with a certificate of this CA (``verify: true``) and
the leaf accepts only a hub certificate of this CA for that address.

Files already in the directory are kept, so regenerating the configuration
keeps every deployed link working; a hub certificate whose addresses no
longer match ``--host`` is issued again. To renew, delete the files to renew
and run the command again.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CA_YEARS", "CERT_YEARS", "TlsFiles", "ensure"]

CA_YEARS = 10
CERT_YEARS = 5
"""A term of the inspection office; the hub's and leaves' certificates last as long."""


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where the PEM files of one city's links are (all in one directory).

    Attributes:
        directory: the directory, as written into the configuration files.
    """

    directory: Path

    @property
    def ca(self) -> Path:
        """The CA certificate, which every server trusts."""
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        """The CA's private key: stays at the city office."""
        return self.directory / "ca-key.pem"

    @property
    def hub(self) -> tuple[Path, Path]:
        """The hub's certificate and key."""
        return self.directory / "hub.pem", self.directory / "hub-key.pem"

    def leaf(self, county_token: str) -> tuple[Path, Path]:
        """A county leaf server's certificate and key."""
        return (self.directory / f"leaf-{county_token}.pem",
                self.directory / f"leaf-{county_token}-key.pem")


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "巡察工作平台"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(path, 0o644)


def _alt_name(host: str) -> x509.GeneralName:
    bare = host.strip("[]")
    try:
        return x509.IPAddress(ipaddress.ip_address(bare))
    except ValueError:
        return x509.DNSName(bare)


def _issue(ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, common: str,
           usage: Sequence[x509.ObjectIdentifier], alt: Sequence[x509.GeneralName],
           ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common)).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CERT_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_encipherment=False, content_commitment=False,
            data_encipherment=False, key_agreement=True, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(usage)), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_key.public_key()), critical=False)
    )
    if alt:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(alt)), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _ca(files: TlsFiles, city: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    if files.ca.is_file() and files.ca_key.is_file():
        cert = x509.load_pem_x509_certificate(files.ca.read_bytes())
        key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{files.ca_key} 不是 EC 私钥")
        return cert, key
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    name = _name(f"巡察工作平台 NATS CA（{city}）")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, key_encipherment=False, content_commitment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(files.ca_key, key)
    _write_cert(files.ca, cert)
    return cert, key


def _names_of(path: Path) -> tuple[set[x509.GeneralName], set[x509.ObjectIdentifier]] | None:
    """The subject alternative names and extended key usages of the certificate at
    ``path`` (None: unreadable)."""
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        return set(names), set(usages)
    except (OSError, ValueError, x509.ExtensionNotFound):
        return None


def ensure(directory: Path, *, city: str, host: str, county_tokens: Sequence[str],
           extra_hosts: Sequence[str] = (), cluster: bool = False,
           ) -> tuple[TlsFiles, list[Path]]:
    """Create what is missing of the CA, the hub's and the counties' certificates.

    Args:
        directory: where the PEM files live (created if missing).
        city: the city's tenant code, named in the CA.
        host: the hub's leafnode address as the counties dial it.
        county_tokens: every county's subject token.
        extra_hosts: the other addresses of a hub cluster's nodes: the one hub
            certificate names them all.
        cluster: the hub is a cluster: its certificate also authenticates a node
            dialling another's routes (client use as well as server use).

    Returns:
        The files, and the paths written this time (empty when all were there).

    Raises:
        ValueError: the CA key in the directory is not one this command made.
    """
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(directory)
    had_ca = files.ca.is_file() and files.ca_key.is_file()
    ca_cert, ca_key = _ca(files, city)
    written = [] if had_ca else [files.ca, files.ca_key]
    hub_usage = [ExtendedKeyUsageOID.SERVER_AUTH]
    if cluster:
        hub_usage.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    wanted: list[tuple[tuple[Path, Path], str, list[x509.ObjectIdentifier],
                       list[x509.GeneralName]]] = [
        (files.hub, f"hub {city}", hub_usage,
         list(dict.fromkeys(_alt_name(h) for h in [host, *extra_hosts])))]
    wanted += [(files.leaf(t), t, [ExtendedKeyUsageOID.CLIENT_AUTH], [x509.DNSName(t)])
               for t in county_tokens]
    for (cert_path, key_path), common, usage, alt in wanted:
        # A new CA invalidates every certificate of the old one.
        if had_ca and key_path.is_file() and _names_of(cert_path) == (set(alt), set(usage)):
            continue
        cert, key = _issue(ca_cert, ca_key, common, usage, alt)
        _write_key(key_path, key)
        _write_cert(cert_path, cert)
        written += [cert_path, key_path]
    return files, written
