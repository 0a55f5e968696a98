#!/usr/bin/env bash
# Rebuild the vendored GOV.UK Frontend + MOJ Frontend assets in
# openmash/static/vendor/ (see openmash/static/vendor/README.md).
#
# - Compiles ONE stylesheet (GOV.UK Frontend + MOJ Frontend) from Sass with
#   Arial as the font, no @font-face, relative asset urls.
# - Never ships the GDS Transport font, the crown, the royal crest or any
#   GOV.UK/MOJ branded icon: those are licensed for gov.uk only.
# - Works in a throwaway temp dir; nothing (node_modules etc.) is left in the
#   repo. Needs node + npm and access to the npm registry.
#
# Usage: scripts/build-assets.sh
set -euo pipefail

GOVUK_FRONTEND_VERSION="6.6.0"
MOJ_FRONTEND_VERSION="11.1.0"
SASS_VERSION="1.108.2"
HTMX_VERSION="2.0.11"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO_ROOT/openmash/static/vendor"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/openmash-assets.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

die() { echo "build-assets: ERROR: $*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is required"

echo "build-assets: installing govuk-frontend@$GOVUK_FRONTEND_VERSION, @ministryofjustice/frontend@$MOJ_FRONTEND_VERSION, sass@$SASS_VERSION in $WORK"
cd "$WORK"
cat > package.json <<'EOF'
{ "name": "openmash-assets-build", "private": true, "version": "0.0.0" }
EOF
# --ignore-scripts: nothing here needs an install script (sass is pure JS;
# its optional file-watcher native addon is not used).
npm install --no-audit --no-fund --ignore-scripts --save-exact \
  "govuk-frontend@$GOVUK_FRONTEND_VERSION" \
  "@ministryofjustice/frontend@$MOJ_FRONTEND_VERSION" \
  "sass@$SASS_VERSION" "htmx.org@$HTMX_VERSION" >/dev/null

GOVUK="$WORK/node_modules/govuk-frontend"
MOJ="$WORK/node_modules/@ministryofjustice/frontend"
[ "$(node -p "require('$GOVUK/package.json').version")" = "$GOVUK_FRONTEND_VERSION" ] || die "wrong govuk-frontend version"
[ "$(node -p "require('$MOJ/package.json').version")" = "$MOJ_FRONTEND_VERSION" ] || die "wrong MOJ frontend version"

# --- Sass -------------------------------------------------------------------
# MOJ Frontend configures GOV.UK Frontend itself (moj/vendor/govuk-frontend
# forwards govuk/base with $govuk-font-family: $moj-font-family,
# $govuk-assets-path: $moj-assets-path, $govuk-include-default-font-face:
# false, ...), so GOV.UK settings are passed *through* that module; loading
# govuk/base with our own `with` first would be a "module already loaded"
# error. Unrelated $govuk-* settings (here $govuk-image-url-function) pass
# through the @forward chain unchanged.
#
# The compiled CSS lives at vendor/openmash.css and the images at
# vendor/assets/images/, hence the relative path "assets/".
cat > _openmash-image-url.scss <<'EOF'
@use "sass:string";

// GOV.UK Frontend calls this for every image url. The royal crest (footer
// copyright logo) and the crown are licensed for gov.uk only: emit no url for
// them (the rule below removes the pseudo-element that would show them).
@function image-url($filename) {
  @if string.index($filename, "crest") or string.index($filename, "crown") {
    @return none;
  }
  @return url("assets/images/" + $filename);
}
EOF
cat > openmash.scss <<'EOF'
@use "sass:meta";
@use "openmash-image-url" as openmash-img;

@use "@ministryofjustice/frontend/moj/vendor/govuk-frontend" as moj-govuk with (
  $moj-font-family: (arial, sans-serif),
  $moj-assets-path: "assets/",
  $govuk-image-url-function: meta.get-function("image-url", $module: "openmash-img")
);

// GOV.UK Frontend: all components, core, objects, utilities, overrides.
@use "govuk-frontend/dist/govuk" as govuk;
// MOJ Frontend: all components (timeline, sub-navigation, badge, identity
// bar, sortable table, ...).
@use "@ministryofjustice/frontend/moj/all" as moj;

// No crest: do not generate the footer copyright logo's image box.
.govuk-footer__copyright-logo::before {
  content: none;
}
EOF

echo "build-assets: compiling CSS"
mkdir -p "$OUT"
# The load path "$WORK" is needed because MOJ forwards
# "node_modules/govuk-frontend/dist/govuk/base" (relative to the project root).
# MOJ Frontend itself still uses a few deprecated GOV.UK mixins, so some
# "deprecated" warnings are printed: they are expected.
node "$WORK/node_modules/sass/sass.js" \
  --load-path="$WORK/node_modules" --load-path="$WORK" \
  --style=compressed --no-source-map --quiet-deps \
  openmash.scss "$WORK/openmash.css"

# --- Output tree --------------------------------------------------------------
rm -rf "$OUT/govuk" "$OUT/moj" "$OUT/assets" "$OUT/openmash.css" \
  "$OUT/LICENSE-govuk-frontend.txt" "$OUT/LICENSE-moj-frontend.txt"
mkdir -p "$OUT/govuk" "$OUT/moj" "$OUT/assets/images"
cp "$WORK/openmash.css" "$OUT/openmash.css"

# JS: both files are self-contained ES modules (no import statements, so no
# import map is needed). Drop the sourceMappingURL comment: the .map files are
# not shipped, and Django's ManifestStaticFilesStorage fails on a reference to
# a missing file.
strip_map() { sed -E 's@//# sourceMappingURL=[^[:space:]]*$@@' "$1" > "$2"; }
strip_map "$GOVUK/dist/govuk/govuk-frontend.min.js" "$OUT/govuk/govuk-frontend.min.js"
strip_map "$MOJ/moj/moj-frontend.min.js" "$OUT/moj/moj-frontend.min.js"
# htmx (classic script, loaded with defer; partial page updates on the trawl and load pages).
rm -rf "$OUT/htmx" && mkdir -p "$OUT/htmx"
strip_map "$WORK/node_modules/htmx.org/dist/htmx.min.js" "$OUT/htmx/htmx.min.js"
cp "$WORK/node_modules/htmx.org/LICENSE" "$OUT/htmx/LICENSE-htmx.txt"
for js in "$OUT/govuk/govuk-frontend.min.js" "$OUT/moj/moj-frontend.min.js"; do
  grep -q 'export{[^}]*initAll' "$js" || die "$js does not export initAll"
  if grep -Eq '(^|[;}])[[:space:]]*import[[:space:]]*[{"*]|from[[:space:]]*"[^"./][^"]*"' "$js"; then
    die "$js contains import statements (bare specifiers need an import map)"
  fi
done

# Images: copy exactly the files the CSS references (GOV.UK first, then MOJ).
# GOV.UK's own images (favicon.ico/svg, govuk-icon-*.png, govuk-icon-mask.svg,
# opengraph image) all show the crown, and govuk-crest.svg is the royal crest,
# so none of them is copied, and neither is GOV.UK's manifest.json (it lists
# only those icons). The fonts folder is never copied.
css_urls() {
  grep -o 'url([^)]*)' "$OUT/openmash.css" | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' | sort -u
}
while IFS= read -r url; do
  [ -n "$url" ] || continue
  case "$url" in
    data:*) continue ;;
    assets/images/*) ;;
    *) die "unexpected url in CSS: $url" ;;
  esac
  name="${url#assets/images/}"
  case "$name" in
    *crown*|*crest*|*logotype*|*favicon*|*govuk-icon*|*opengraph*|*apple-touch*)
      die "CSS references a gov.uk-only image: $name" ;;
  esac
  if [ -f "$GOVUK/dist/govuk/assets/images/$name" ]; then
    cp "$GOVUK/dist/govuk/assets/images/$name" "$OUT/assets/images/$name"
  elif [ -f "$MOJ/moj/assets/images/$name" ]; then
    cp "$MOJ/moj/assets/images/$name" "$OUT/assets/images/$name"
  else
    die "CSS references $url but neither package has it"
  fi
done < <(css_urls)

# Licences: neither npm tarball ships its LICENSE file (both packages are MIT;
# the text below is the upstream repositories' LICENSE file verbatim).
cat > "$OUT/LICENSE-govuk-frontend.txt" <<'EOF'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF
cat > "$OUT/LICENSE-moj-frontend.txt" <<'EOF'
MIT License

Copyright (c) 2021 dxw

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF

# --- Checks -------------------------------------------------------------------
CSS="$OUT/openmash.css"
! grep -qi 'GDS Transport' "$CSS" || die "CSS mentions GDS Transport"
! grep -qi '@font-face' "$CSS" || die "CSS has @font-face"
! grep -Eqi '\.(woff2?|ttf|otf|eot)' "$CSS" || die "CSS references a font file"
grep -q 'font-family:arial,sans-serif' "$CSS" || die "CSS does not use arial"
grep -q '\.govuk-button' "$CSS" || die "GOV.UK styles missing"
grep -q '\.moj-timeline' "$CSS" || die "MOJ styles missing"
while IFS= read -r url; do
  [ -n "$url" ] || continue
  [ -f "$OUT/$url" ] || die "CSS url($url) does not resolve to a file"
done < <(css_urls)
if find "$OUT" -type f | grep -Eqi 'crown|crest|logotype|favicon|govuk-icon|opengraph|apple-touch|/fonts/|\.woff'; then
  die "a gov.uk-only asset was copied"
fi
total_kb="$(du -sk "$OUT" | cut -f1)"
[ "$total_kb" -lt 3072 ] || die "vendor dir is ${total_kb} KB (limit ~3 MB)"

echo "build-assets: done (${total_kb} KB in ${OUT#"$REPO_ROOT"/})"
find "$OUT" -type f ! -name README.md -printf '  %s\t%P\n' | sort -k2
