"""`shoebox doctor`: what this appliance runs on: runtime, accelerator, models, catalog, disk."""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3

from appliance.catalog.db import open_catalog
from appliance.catalog.exceptions import CatalogFailure
from appliance.catalog.health import check_catalog
from appliance.catalog.migrations import current_version
from appliance.config import Settings
from appliance.library import Library
from appliance.vision import classifier, faces
from appliance.vision.runtime import describe_vision


def report(settings: Settings) -> dict:
    """Everything doctor prints, as data (also shown on the web settings page)."""
    models = {"classifier": classifier.model_paths(), "face detector": faces.detector_paths()}
    result: dict = {
        "vision": describe_vision(models, settings.accelerator, settings.threads or None)
    }
    result["exiftool"] = _exiftool_version()
    library = Library(settings.library_root, settings.catalog_url)
    result["library"] = {"root": str(library.root)}
    health = check_catalog(library)
    if not health.ok:
        result["library"]["problem"] = health.message
        result["healthy"] = False
        return result
    if library.catalog_exists():
        try:
            catalog = open_catalog(library.catalog_url, check=False)
            ok, message = catalog.integrity()
        except (CatalogFailure, sqlite3.Error, RuntimeError) as exc:
            result["library"]["problem"] = f"the catalog cannot be opened: {exc}"
            result["healthy"] = False
            return result
        result["library"].update(
            schema=current_version(catalog.db), integrity=message, backend=catalog.backend
        )
        usage = shutil.disk_usage(library.root)
        result["library"].update(disk_free_gb=round(usage.free / 1e9, 1))
        result["healthy"] = ok
    if result["exiftool"].startswith("missing"):
        result["healthy"] = False
    return result


def _exiftool_version() -> str:
    """ExifTool's version, or why it is not usable (metadata cannot be read without it)."""
    from appliance.media.exiftool import ExifTool, ExifToolError

    engine = ExifTool(timeout=10)
    try:
        return engine.execute("-ver")[0].strip()
    except ExifToolError as exc:
        return f"missing: {exc}"
    finally:
        engine.close()


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    data = report(settings)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    vision = data["vision"]
    print(f"runtime:       {vision['runtime']} {vision.get('runtime_version') or ''}")
    print(f"accelerator: {vision['accelerator']}; setting {vision['accelerator_setting']}")
    print(f"threads:     {vision['threads']}")
    for purpose, model in vision["models"].items():
        state = model.get("error") or f"sha256 {model.get('sha256', '')[:12]}"
        print(f"{purpose + ':':<15}{model['device']}  {model['path']}  ({state})")
    print(f"ExifTool:    {data['exiftool']}")
    lib = data["library"]
    print(f"library:     {lib['root']}")
    if "problem" in lib:
        print(f"catalog:     {lib['problem']}")
    if "schema" in lib:
        print(f"catalog:     schema v{lib['schema']}, integrity {lib['integrity']}")
        print(f"disk free:   {lib['disk_free_gb']} GB")
    return 0 if data.get("healthy", True) else 1


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("doctor", parents=[common], help="check runtime, models, catalog")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=_doctor, needs_library=False)
