"""`shoebox certificate [--dir DIR] [--name NAME]...`: make the box's certificate authority
(once) and its server certificate (when missing, near its end, or the box's names or
addresses changed), for nginx's HTTPS. Run as root by shoebox-certificate.service at boot.
Prints the authority's SHA-256 fingerprint; exit 0 when nothing changed, 0 too when
something was made (it says so), 2 when the folder cannot be used."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from appliance.config import Settings


def _certificate(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.https import certificates

    folder = Path(args.dir) if args.dir else settings.https_certificates
    if str(folder) in ("", "."):
        print(
            "shoebox certificate: say where (--dir, or https_certificates in the settings)",
            file=sys.stderr,
        )
        return 2
    try:
        names = certificates.box_names(args.name)
        made = certificates.ensure(folder, names)
    except certificates.CertificateError as exc:
        print(f"shoebox certificate: {exc}", file=sys.stderr)
        return 2
    ca = certificates.authority(folder)
    assert ca is not None
    what = "made a new server certificate" if made else "certificates are current"
    print(f"{what} in {folder} for {', '.join(names.dns)} and {len(names.addresses)} addresses")
    print(f"authority fingerprint (SHA-256): {certificates.fingerprint(ca)}")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "certificate", parents=[common], help="make the box's HTTPS certificates (as root)"
    )
    parser.add_argument("--dir", default="", help="folder of the certificates")
    parser.add_argument(
        "--name", action="append", default=[], help="one more DNS name or address (repeatable)"
    )
    # at boot, before (and without) the library disk: HTTPS does not need the library
    parser.set_defaults(func=_certificate, needs_library=False)
