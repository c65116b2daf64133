"""The box's own certificates, made on the box (``shoebox certificate``, run as root at
every boot by shoebox-certificate.service before nginx starts).

- **The authority** (``ca.pem``, key ``ca-key.pem``): made once, kept for 20 years. A
  phone or computer trusts it once (the Phones page offers it, its fingerprint and an iOS
  profile). It is name-constrained to ``.local`` names and private addresses, so even its
  key could not vouch for any site on the internet.
- **The server certificate** (``server.pem`` with the authority after it, key
  ``server-key.pem``): for ``shoebox.local``, ``<host name>.local``, ``localhost`` and the
  box's private addresses; made again when those change or a month before it expires (397 days,
  within what Apple's devices accept).

Keys are ECDSA P-256, written 0600 (only root, i.e. nginx's master process, reads them);
certificates 0644 (the web service shows the authority's fingerprint).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA, CA_KEY = "ca.pem", "ca-key.pem"
SERVER, SERVER_KEY = "server.pem", "server-key.pem"
CA_LIFETIME = dt.timedelta(days=20 * 365)
SERVER_LIFETIME = dt.timedelta(days=397)
RENEW_BEFORE = dt.timedelta(days=30)
PRIVATE_NETWORKS = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "127.0.0.0/8",
    "100.64.0.0/10",  # carrier-grade NAT, some home routers
    "fc00::/7",
    "fe80::/10",
    "::1/128",
)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class CertificateError(Exception):
    """The certificates folder cannot be used; the message says why."""


@dataclass(frozen=True)
class Names:
    """What the server certificate is for."""

    dns: tuple[str, ...]
    addresses: tuple[IPAddress, ...]


def box_names(extra: Iterable[str] = ()) -> Names:
    """shoebox.local, this host's .local name, localhost, and the box's own addresses
    (``extra``: more DNS names or addresses, e.g. a name the family's router gives)."""
    dns = ["shoebox.local", f"{socket.gethostname().split('.')[0].lower()}.local", "localhost"]
    addresses: list[IPAddress] = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    addresses += _own_addresses()
    for item in extra:
        try:
            address = ipaddress.ip_address(item)
        except ValueError:
            if not item.lower().endswith(".local"):
                raise CertificateError(f"{item}: only .local names may be named") from None
            dns.append(item.lower())
        else:
            if not _private(address):
                raise CertificateError(f"{item} is not a private address: the box's own")
            addresses.append(address)
    return Names(tuple(dict.fromkeys(dns)), tuple(dict.fromkeys(addresses)))


def _own_addresses() -> list[IPAddress]:
    """The addresses other machines reach this one by (not link-local IPv6: they need a
    zone, which a certificate cannot name)."""
    found: list[IPAddress] = []
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        infos = []
    for info in infos:
        found.append(ipaddress.ip_address(info[4][0].split("%")[0]))
    for probe in ("192.0.2.1", "2001:db8::1"):  # the address of the default route, no packet sent
        family = socket.AF_INET6 if ":" in probe else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                found.append(ipaddress.ip_address(sock.getsockname()[0].split("%")[0]))
        except OSError:
            continue
    return [a for a in found if _private(a) and not a.is_loopback and not a.is_link_local]


def _private(address: IPAddress) -> bool:
    """Within the authority's name constraints (a public address, e.g. a global IPv6 one,
    is reached by name instead)."""
    return any(
        address in network
        for network in map(ipaddress.ip_network, PRIVATE_NETWORKS)
        if network.version == address.version
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write whole or not at all (a power cut never leaves half a key)."""
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(partial, mode)
    os.replace(partial, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CertificateError(f"{path} is not an ECDSA key")
    return key


def _authority(folder: Path, label: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = folder / CA, folder / CA_KEY
    if cert_path.exists() and key_path.exists():
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), _load_key(key_path)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shoebox"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Shoebox {label} (this box only)"),
        ]
    )
    now = _now()
    permitted: list[x509.GeneralName] = [x509.DNSName("local"), x509.DNSName("localhost")]
    permitted += [x509.IPAddress(ipaddress.ip_network(n)) for n in PRIVATE_NETWORKS]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.NameConstraints(permitted, None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _key_pem(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert, key


def _current_server(folder: Path, names: Names, ca: x509.Certificate) -> bool:
    """Whether server.pem is signed by ``ca``, names exactly ``names`` and is not near its end."""
    try:
        cert = x509.load_pem_x509_certificate((folder / SERVER).read_bytes())
        _load_key(folder / SERVER_KEY)
    except (OSError, ValueError, CertificateError):
        return False
    if cert.issuer != ca.subject or cert.not_valid_after_utc - _now() < RENEW_BEFORE:
        return False
    try:
        cert.verify_directly_issued_by(ca)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    return set(san.get_values_for_type(x509.DNSName)) == set(names.dns) and set(
        san.get_values_for_type(x509.IPAddress)
    ) == set(names.addresses)


def _issue_server(
    folder: Path, names: Names, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    alternative: list[x509.GeneralName] = [x509.DNSName(n) for n in names.dns]
    alternative += [x509.IPAddress(a) for a in names.addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names.dns[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + SERVER_LIFETIME)
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = cert.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(
        serialization.Encoding.PEM
    )
    _write(folder / SERVER_KEY, _key_pem(key), 0o600)
    _write(folder / SERVER, chain, 0o644)


def ensure(folder: Path, names: Names, label: str = "") -> bool:
    """Make the authority if there is none and the server certificate if it is missing,
    stale or for other names; True when something was made (nginx then reloads)."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o755)
        had_ca = (folder / CA).exists() and (folder / CA_KEY).exists()
        ca, ca_key = _authority(folder, label or names.dns[0])
        if _current_server(folder, names, ca):
            return not had_ca
        _issue_server(folder, names, ca, ca_key)
    except OSError as exc:
        raise CertificateError(f"cannot write certificates in {folder}: {exc}") from exc
    return True


def authority(folder: Path) -> x509.Certificate | None:
    """The box's authority, if it has one (read by the web service for the Phones page)."""
    try:
        return x509.load_pem_x509_certificate((folder / CA).read_bytes())
    except (OSError, ValueError):
        return None


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 as shown by browsers and phones: ``AB:CD:...``."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()
