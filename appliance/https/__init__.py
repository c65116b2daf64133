"""HTTPS on the appliance (issue 21): the box's own certificate authority and server
certificate (`certificates`), the iOS profile that installs the authority (`profile`).
nginx (image-build/files/nginx-shoebox.conf) serves port 443 with them in front of the
web service; ``make run`` stays plain HTTP."""
