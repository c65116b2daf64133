# Shoebox: let `shoebox` in a login shell use the appliance's settings and models
# (installed to /etc/profile.d/shoebox.sh by install.sh).
export SHOEBOX_CONFIG=/etc/shoebox/shoebox.toml
export SHOEBOX_MODELS_DIR=/opt/shoebox/models
