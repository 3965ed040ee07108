#!/bin/sh
# setup.sh WORKDIR [--fail]: write the catalogs, properties and abstract
# workflow of the black-diamond example into WORKDIR, ready to plan:
#
#   examples/setup.sh /tmp/diamond
#   pegasus-plan --conf /tmp/diamond/pegasus.properties --dax /tmp/diamond/blackdiamond.dax \
#                --dir /tmp/diamond/submit --sites local --output-site local
#   pegasus-run /tmp/diamond/submit/$USER/pegasus/blackdiamond/run0001
#
# --fail makes the second findrange job fail on purpose (for pegasus-analyzer).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 WORKDIR [--fail]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
work=$(cd "$1" && pwd)
fail=
[ "${2:-}" = --fail ] && fail=" --fail"
mkdir -p "$work/inputs" "$work/scratch" "$work/outputs"
cp "$here/blackdiamond/input/f.a" "$work/inputs/f.a"
sed "s|@FAIL@|$fail|" "$here/blackdiamond/blackdiamond.dax" > "$work/blackdiamond.dax"
cat > "$work/sites.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<sitecatalog xmlns="http://pegasus.isi.edu/schema/sitecatalog" version="4.0">
  <site handle="local" arch="x86_64" os="LINUX">
    <directory type="shared-scratch" path="$work/scratch">
      <file-server operation="all" url="file://$work/scratch"/>
    </directory>
    <directory type="local-storage" path="$work/outputs">
      <file-server operation="all" url="file://$work/outputs"/>
    </directory>
  </site>
</sitecatalog>
XML
: > "$work/tc.txt"
for t in preprocess findrange analyze; do
	cat >> "$work/tc.txt" <<TC
tr diamond::$t:4.0 {
  site local {
    pfn "$here/blackdiamond/bin/$t"
    arch "x86_64"
    os "linux"
    type "INSTALLED"
  }
}
TC
done
echo "f.a file://$work/inputs/f.a site=\"local\"" > "$work/rc.txt"
cat > "$work/pegasus.properties" <<PROPS
pegasus.catalog.site.file = $work/sites.xml
pegasus.catalog.transformation.file = $work/tc.txt
pegasus.catalog.replica = File
pegasus.catalog.replica.file = $work/rc.txt
PROPS
echo "$work"
