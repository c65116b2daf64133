"""Peewee models of the catalog. The database is bound at run time (see `catalog.db`).

A *photo* is the logical picture; it has one or more *files* (original, RAW of a RAW+JPEG
pair, edited copy, sidecar), one per distinct content (SHA-256). Every path where a content
was ever seen is a *location*, so duplicates are stored once but remembered everywhere.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from appliance.catalog.fields import ByteSafeChar, ByteSafeText

database_proxy = pw.DatabaseProxy()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Photo(BaseModel):
    """One picture as the user sees it."""

    status = pw.CharField(default="ok", index=True)  # ok | error
    kind = pw.CharField(default="image")  # image | raw | video | unknown
    mime = pw.CharField(null=True)
    primary_sha256 = pw.CharField(null=True, index=True)  # whose thumbnails represent it
    taken_at = pw.DateTimeField(null=True)  # local wall time
    taken_at_offset = pw.IntegerField(null=True)  # minutes east of UTC
    taken_at_source = pw.CharField(null=True)
    sort_time = pw.DateTimeField(default=utcnow)  # taken_at, else the file time
    camera_make = pw.CharField(null=True, index=True)
    camera_model = pw.CharField(null=True)
    lens = pw.CharField(null=True)
    exposure_time = pw.FloatField(null=True)
    f_number = pw.FloatField(null=True)
    iso = pw.IntegerField(null=True)
    focal_length = pw.FloatField(null=True)
    latitude = pw.FloatField(null=True)
    longitude = pw.FloatField(null=True)
    altitude = pw.FloatField(null=True)
    # place: reverse geocoded from latitude/longitude, or set by hand (place_source manual)
    place_country_code = pw.CharField(null=True, index=True)  # ISO 3166-1 alpha-2
    place_country = pw.CharField(null=True)
    place_region = pw.CharField(null=True)
    place_city = pw.CharField(null=True)
    place_source = pw.CharField(null=True)  # where the position came from: gps | manual
    places_version = pw.IntegerField(default=0)  # 0: position not geocoded yet
    orientation = pw.IntegerField(null=True)
    width = pw.IntegerField(null=True)  # as displayed
    height = pw.IntegerField(null=True)
    favorite = pw.BooleanField(default=False)
    archived = pw.BooleanField(default=False)
    title = pw.CharField(null=True)  # decisions kept in XMP sidecars too
    description = pw.TextField(null=True)
    rating = pw.IntegerField(null=True)  # XMP 0-5, -1 rejected; favourite = 5
    duration = pw.FloatField(null=True)  # seconds: a video, or the movie of a Live Photo
    motion = pw.CharField(null=True)  # live | motion (embedded movie) | animated (GIF/WebP)
    labels_version = pw.IntegerField(default=0)  # 0: not classified yet
    faces_version = pw.IntegerField(default=0)  # 0: faces not looked for yet
    quality = pw.FloatField(null=True)  # higher is better (see appliance.moments.quality)
    quality_features = pw.TextField(null=True)  # JSON of the measured features
    stack_id = pw.IntegerField(null=True, index=True)  # its Stack (moments), None: alone
    stack_hidden = pw.BooleanField(default=False)  # in a stack and not its shown photo
    unstacked = pw.BooleanField(default=False)  # the user took it out: never stacked again
    trashed_at = pw.DateTimeField(null=True, index=True)  # in the trash since (UTC)
    # who added it: the member (users.id) who uploaded it or whose phone backed it up;
    # None: the family's (the box's own devices and folders, imports), kept by admins
    owner_id = pw.IntegerField(null=True, index=True)
    # only its owner sees it, in Private, once their session is unlocked (catalog.private)
    private = pw.BooleanField(default=False, constraints=[pw.SQL("DEFAULT FALSE")])
    # a private photo's owner by user name, from its sidecar, until that account exists
    # (a rebuild: the photo stays hidden from everyone until then; catalog.private) (v19)
    private_owner_name = pw.CharField(null=True)
    edits = pw.TextField(null=True)  # JSON recipe of a non-destructive edit (photo_edits)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("status", "archived", "sort_time", "id"), False),)


class File(BaseModel):
    """One distinct content (by SHA-256) belonging to a photo."""

    photo = pw.ForeignKeyField(Photo, backref="files", on_delete="CASCADE")
    sha256 = pw.CharField(null=True, unique=True)  # null only when the file was unreadable
    role = pw.CharField(default="original")  # original | raw | edited | sidecar | video
    mime = pw.CharField(null=True)
    kind = pw.CharField(default="unknown")
    size = pw.BigIntegerField(default=0)
    width = pw.IntegerField(null=True)
    height = pw.IntegerField(null=True)
    stored_path = ByteSafeChar(null=True, unique=True)  # relative to originals/ when imported
    original_name = ByteSafeChar(null=True)
    error = ByteSafeText(null=True)
    warnings = ByteSafeText(default="")  # what is odd but survivable, one per line
    # the movie this file plays (a video, or the movie inside a Motion Photo), from ffprobe
    duration = pw.FloatField(null=True)
    video_codec = pw.CharField(null=True)
    audio_codec = pw.CharField(null=True)
    frame_rate = pw.FloatField(null=True)
    rotation = pw.IntegerField(null=True)  # clockwise degrees applied for display
    container = pw.CharField(null=True)  # mp4 (MP4/MOV family), webm, matroska, avi, ...
    playback = pw.CharField(null=True)  # direct (stream as is) | transcode | None: no movie
    content_id = pw.CharField(null=True, index=True)  # Apple ContentIdentifier (Live Photos)
    created_at = pw.DateTimeField(default=utcnow)


class Location(BaseModel):
    """A path where a content was seen (index root, import source, inbox, volume)."""

    path = ByteSafeChar(unique=True)
    file = pw.ForeignKeyField(File, backref="locations", null=True, on_delete="CASCADE")
    source = pw.CharField(default="index")  # index | import | inbox | volume
    volume_uuid = pw.CharField(null=True, index=True)
    size = pw.BigIntegerField(default=0)
    mtime = pw.FloatField(default=0.0)
    missing = pw.BooleanField(default=False)
    first_seen = pw.DateTimeField(default=utcnow)
    last_seen = pw.DateTimeField(default=utcnow)


class Label(BaseModel):
    name = pw.CharField(unique=True)
    categories = pw.TextField(default="")  # comma-separated parent labels


class PhotoLabel(BaseModel):
    """A label on a photo. Manual removals are kept (removed=True) so re-runs respect them."""

    photo = pw.ForeignKeyField(Photo, backref="photo_labels", on_delete="CASCADE")
    label = pw.ForeignKeyField(Label, backref="photo_labels", on_delete="CASCADE")
    confidence = pw.FloatField(default=1.0)
    source = pw.CharField(default="model")  # model | manual
    removed = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("photo", "label"), True), (("label", "removed"), False))


class Person(BaseModel):
    name = pw.CharField(null=True, index=True)
    cover_face_id = pw.IntegerField(null=True)
    centroid = pw.BlobField(null=True)  # float32 mean descriptor of its usable faces
    face_count = pw.IntegerField(default=0)
    hidden = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    cover_chosen = pw.BooleanField(default=False)  # the family chose cover_face_id (v9)


class Face(BaseModel):
    """A detected face; box in pixels of the displayed (oriented) full-size photo."""

    photo = pw.ForeignKeyField(Photo, backref="faces", on_delete="CASCADE")
    box_x = pw.FloatField()
    box_y = pw.FloatField()
    box_w = pw.FloatField()
    box_h = pw.FloatField()
    keypoints = pw.TextField(default="[]")  # JSON list of [x, y]
    score = pw.FloatField()
    quality = pw.FloatField(default=0.0)
    usable = pw.BooleanField(default=False)
    descriptor = pw.BlobField(null=True)  # 128 float32
    person = pw.ForeignKeyField(Person, backref="faces", null=True, on_delete="SET NULL")
    assignment = pw.CharField(null=True)  # auto | manual | None
    created_at = pw.DateTimeField(default=utcnow)
    dismissed = pw.BooleanField(default=False)  # "not someone to name" (v9)

    class Meta:
        indexes = ((("person", "assignment"), False),)


class FaceRejection(BaseModel):
    """A user said: this face is not that person. Clustering never puts it back."""

    face = pw.ForeignKeyField(Face, backref="rejections", on_delete="CASCADE")
    person = pw.ForeignKeyField(Person, backref="rejections", on_delete="CASCADE")

    class Meta:
        indexes = ((("face", "person"), True),)


class User(BaseModel):
    username = pw.CharField(unique=True)
    password_hash = pw.CharField()
    role = pw.CharField(default="member")  # admin | member
    created_at = pw.DateTimeField(default=utcnow)
    last_login = pw.DateTimeField(null=True)


class Session(BaseModel):
    """A signed-in browser. The cookie carries ``token``; the row is the truth, so signing
    out (here or everywhere) or a password or role change ends it on the server."""

    token_hash = pw.CharField(unique=True)  # SHA-256 of the cookie's token
    user = pw.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField(index=True)


class Album(BaseModel):
    title = pw.CharField(index=True)
    description = pw.TextField(default="")
    cover_photo = pw.ForeignKeyField(Photo, null=True, on_delete="SET NULL")
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")  # the owner
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


class AlbumTrash(BaseModel):
    """An album in the trash (restorable for 30 days; its photos are untouched)."""

    album = pw.ForeignKeyField(Album, unique=True, on_delete="CASCADE")
    trashed_at = pw.DateTimeField(default=utcnow)


class AlbumPhoto(BaseModel):
    album = pw.ForeignKeyField(Album, backref="entries", on_delete="CASCADE")
    photo = pw.ForeignKeyField(Photo, backref="album_entries", on_delete="CASCADE")
    added_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("album", "photo"), True),)


class ShareLink(BaseModel):
    album = pw.ForeignKeyField(Album, backref="shares", on_delete="CASCADE")
    token = pw.CharField(unique=True)
    expires_at = pw.DateTimeField(null=True)
    revoked = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    password_hash = pw.CharField(null=True)  # visitors type it first when set (v9)
    allow_download = pw.BooleanField(default=False)  # visitors may download a zip (v9)


class Job(BaseModel):
    """A file discovered by the daemon, moved through the pipeline exactly once."""

    path = ByteSafeChar(index=True)
    source = pw.CharField(default="inbox")  # inbox | volume | import | index
    policy = pw.CharField(default="copy")  # index | copy | move
    volume_uuid = pw.CharField(null=True, index=True)
    state = pw.CharField(default="pending")  # pending | running | done | failed | paused
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.DateTimeField(default=utcnow)
    size = pw.BigIntegerField(null=True)
    mtime = pw.FloatField(null=True)
    file = pw.ForeignKeyField(File, null=True, on_delete="SET NULL")
    error = ByteSafeText(null=True)
    # what became of a finished job's file: added | duplicate | restored | unchanged | failed
    outcome = pw.CharField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    # a running job's claim: who (host:pid) and until when (renewed while it works)
    claimed_by = pw.CharField(null=True)
    lease_until = pw.DateTimeField(null=True)
    owner_id = pw.IntegerField(null=True)  # the member who sent it (uploads, phones)

    class Meta:
        indexes = ((("state", "next_attempt_at"), False),)


class Setting(BaseModel):
    """Settings changed from the web UI (the config file stays read-only)."""

    key = pw.CharField(unique=True)
    value = pw.TextField()


class Stack(BaseModel):
    """Near-duplicates, a burst or copies of one shot, shown as one tile."""

    best_photo_id = pw.IntegerField(null=True)  # the highest quality (or the user's choice)
    cover_photo_id = pw.IntegerField(null=True)  # the user's choice: kept forever
    size = pw.IntegerField(default=0)
    reason = pw.CharField(default="similar")  # similar | burst | same-shot | edited
    created_at = pw.DateTimeField(default=utcnow)


class PhotoHash(BaseModel):
    """A photo's 64-bit perceptual hash, split in four 16-bit segments for the index."""

    photo = pw.ForeignKeyField(Photo, unique=True, backref="hashes", on_delete="CASCADE")
    value = pw.BigIntegerField()  # signed view of the 64 bits (SQLite integers are signed)
    seg0 = pw.IntegerField()
    seg1 = pw.IntegerField()
    seg2 = pw.IntegerField()
    seg3 = pw.IntegerField()

    class Meta:
        # covering: a look-up reads (photo, hash) from the index without visiting the table
        indexes = tuple(((f"seg{i}", "value", "photo"), False) for i in range(4))


class SidecarPending(BaseModel):
    """A photo whose XMP sidecar must be (re)written: filled by triggers on every decision
    (see `catalog.sidecars`), emptied by the debounced writer once ``due_at`` has passed."""

    photo = pw.ForeignKeyField(Photo, unique=True, on_delete="CASCADE")
    due_at = pw.DateTimeField(default=utcnow)


class SidecarSeen(BaseModel):
    """The modification time of a sidecar when Shoebox last read or wrote it: a newer one
    was edited outside Shoebox and is read again on the next scan."""

    path = pw.CharField(unique=True)
    photo = pw.ForeignKeyField(Photo, null=True, on_delete="CASCADE")
    mtime = pw.FloatField(default=0.0)


class Phone(BaseModel):
    """A family member's phone that backs up over WebDAV (`appliance.phones`), with its own
    app password: a random token stored as its SHA-256 (the token has 160 random bits, so
    a slow hash adds nothing), good for backup only, never for the web UI."""

    user = pw.ForeignKeyField(User, backref="phones", on_delete="CASCADE")
    name = pw.CharField()
    token_hash = pw.CharField(unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    last_backup_at = pw.DateTimeField(null=True)  # the last file it sent
    files = pw.IntegerField(default=0)  # files and bytes it sent, all told
    bytes = pw.BigIntegerField(default=0)

    class Meta:
        indexes = ((("user", "name"), True),)


class PhoneEntry(BaseModel):
    """One name in a phone's backup folder: a file it sent (kept in the listing after the
    file is imported, so the app sees it as present) or a folder it made. Deleting or
    moving here changes only this listing, never the library."""

    phone = pw.ForeignKeyField(Phone, backref="entries", on_delete="CASCADE")
    path = pw.TextField()  # "/DCIM/IMG_1.jpg", relative to the phone's folder
    is_folder = pw.BooleanField(default=False)
    size = pw.BigIntegerField(default=0)
    mtime = pw.FloatField(default=0.0)  # as the phone sent it (X-OC-Mtime), else arrival
    sha256 = pw.CharField(null=True)  # of the content: the ETag
    job = pw.IntegerField(null=True)  # the import job of the file
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("phone", "path"), True),)


class BatchEdit(BaseModel):
    """What one batch edit changed, kept so that its Undo puts every photo back as it was
    (`catalog.batch_edit`): the photos' previous values and what was added, as JSON."""

    user_id = pw.IntegerField(null=True)  # who made it: only they may undo it
    before = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow, index=True)


class PhotoText(BaseModel):
    """The text recognised in a photo (`appliance.text`); a row means it was read, with or
    without text, so the background reader goes on from the highest id read (v20)."""

    photo = pw.ForeignKeyField(Photo, primary_key=True, on_delete="CASCADE")
    text = pw.TextField(default="")  # its lines, one per line; "" when it has none
    kind = pw.CharField(null=True, index=True)  # screenshot | document | None (a photo)
    engine = pw.CharField(default="")  # which reader and models (text.engine.engine_name)
    error = pw.TextField(null=True)  # why it could not be read (the run went on)
    read_at = pw.DateTimeField(default=utcnow)


class TextWord(BaseModel):
    """One search key of a photo's text: a folded word or one of its endings
    (`text.words.keys`), so a word or a part of one is a prefix look-up (v20)."""

    key = pw.CharField()
    photo = pw.ForeignKeyField(Photo, on_delete="CASCADE", index=False)

    class Meta:
        primary_key = pw.CompositeKey("key", "photo")
        indexes = ((("photo", "key"), False),)  # one photo's keys: the row-by-row test


class PhotoClassified(BaseModel):
    """What the classifier said of a photo, before its text reading and its own words were
    merged in (`catalog.labels`): when a title is cleared or an edit undone, the labels are
    merged again from it, not from what an earlier merge left (v21)."""

    photo = pw.ForeignKeyField(Photo, primary_key=True, on_delete="CASCADE")
    labels = pw.TextField(default="[]")  # JSON: [[name, confidence, [categories]], ...]


ALL_MODELS: list[type[BaseModel]] = [
    Photo,
    File,
    Location,
    Label,
    PhotoLabel,
    Person,
    Face,
    FaceRejection,
    User,
    Session,
    Album,
    AlbumPhoto,
    ShareLink,
    Job,
    Setting,
    Stack,
    PhotoHash,
    AlbumTrash,
    SidecarPending,
    SidecarSeen,
    Phone,
    PhoneEntry,
    BatchEdit,
    PhotoText,
    TextWord,
    PhotoClassified,
]
