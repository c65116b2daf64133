"""Phones back up by themselves: WebDAV for backup apps (PhotoSync, FolderSync, rclone, the
Nextcloud apps' auto upload), each phone with its own app password.

- `devices`: a member's phones and their app passwords (add, list, revoke, check);
- `catalog.phone_listing` and `catalog.phones` hold their SQL (the names each phone sent,
  kept after import so its app never sends them again; the phones' rows);
- `receive`: a file PUT by a phone, streamed into ``uploads/`` and queued like a browser upload;
- `chunks`: Nextcloud's chunked upload; `nextcloud`: ``/status.php`` and OCS;
- `webdav`: the WsgiDAV provider and authentication behind ``/remote.php/dav/files/<user>/``.
"""
