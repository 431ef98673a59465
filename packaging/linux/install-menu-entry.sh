#!/bin/sh
# Add Stance Coder to this user's applications menu. Run it from the unpacked folder:
#     ./install-menu-entry.sh
# Moving the folder later? Run it again from the new place.
set -e
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
mkdir -p "$apps"
cat > "$apps/stancecoder.desktop" <<ENTRY
[Desktop Entry]
Type=Application
Name=Stance Coder
Comment=Code the sentences of news articles against a coding scheme
Exec="$here/Stance Coder" %f
Icon=$here/_internal/desktop/_data/resources/icons/stancecoder.png
Terminal=false
Categories=Office;Education;Science;
ENTRY
echo "Stance Coder is in your applications menu ($apps/stancecoder.desktop)."
