#!/usr/bin/env bash
# Seed corpora for the fuzz targets, generated (not committed): fuzz/corpus/<target>/
# from the fixtures and a deterministic sample of small files of ../shared/corpus.
# Usage: fuzz/seed.sh [PER_TARGET_SAMPLE]   (default 120 corpus files per reader)
set -euo pipefail
cd "$(dirname "$0")"
root=..
shared=$root/../shared/corpus
sample=${1:-120}
out=corpus
mkdir -p "$out"/{cfn_json,cfn_yaml,terraform,fn_sub,tf_template,pipeline}

# put TARGET NAME: stdin → corpus/TARGET/NAME (skipped when empty or over 64 KiB).
put() {
  local f=$out/$1/$2
  cat > "$f"
  local n; n=$(wc -c < "$f")
  if (( n == 0 || n > 65536 )); then rm -f "$f"; fi
}
# pick DIR SIZE PATTERN...: every k-th small file (sorted), about $sample of them.
pick() {
  local dir=$1 size=$2; shift 2
  [[ -d $dir ]] || return 0
  local args=() p
  for p in "$@"; do args+=(-o -name "$p"); done
  mapfile -t all < <(find "$dir" -type f -size -"$size" \( "${args[@]:1}" \) | LC_ALL=C sort)
  local n=${#all[@]} k i
  (( n == 0 )) && return 0
  k=$(( n / sample )); (( k < 1 )) && k=1
  for (( i = 0; i < n; i += k )); do echo "${all[i]}"; done
}
name() { echo "$1" | sed 's|^\.*/||; s|[^A-Za-z0-9._-]|_|g' | tail -c 120; }

# CloudFormation: fixtures, then the corpus sample.
for f in "$root"/fixtures/*/template.json; do
  put cfn_json "fx-$(name "$f")" < "$f"; put pipeline "fx-$(name "$f")" < "$f"
done
for f in "$root"/fixtures/*/template.yaml; do
  put cfn_yaml "fx-$(name "$f")" < "$f"; put pipeline "fx-$(name "$f")" < "$f"
done
while read -r f; do put cfn_json "c-$(name "${f#"$shared"}")" < "$f"; done \
  < <(pick "$shared" 16k '*.json')
while read -r f; do put cfn_yaml "c-$(name "${f#"$shared"}")" < "$f"; done \
  < <(pick "$shared" 8k '*.yaml' '*.yml' '*.template')

# Terraform: each fixture module as one input, its files joined by NUL bytes (the
# targets split there), each file alone, then the corpus sample.
for d in "$root"/fixtures/tf-*/ "$root"/fixtures/tf-*/modules/*/; do
  [[ -d $d ]] || continue
  mapfile -t tfs < <(find "$d" -maxdepth 1 -name '*.tf' | LC_ALL=C sort)
  (( ${#tfs[@]} )) || continue
  m=$(name "$d")
  { first=1; for f in "${tfs[@]}"; do (( first )) || printf '\0'; first=0; cat "$f"; done
    if [[ -f $d/terraform.tfvars ]]; then printf '\0#tfvars\n'; cat "$d/terraform.tfvars"; fi
  } > "$out/terraform/fx-$m"
  cp "$out/terraform/fx-$m" "$out/pipeline/fx-$m"
  for f in "${tfs[@]}"; do put terraform "fx-$(name "$f")" < "$f"; done
done
while read -r f; do put terraform "c-$(name "${f#"$shared"}")" < "$f"; done \
  < <(pick "$shared" 8k '*.tf')
while read -r f; do put pipeline "c-$(name "${f#"$shared"}")" < "$f"; done \
  < <(sample=$(( sample / 2 )) pick "$shared" 6k '*.tf' '*.yaml' '*.json')

# Fn::Sub strings: from the fixtures' templates, and a few by hand.
n=0
while IFS= read -r s; do
  printf '%s' "$s" | put fn_sub "fx-$n"; n=$((n + 1))
done < <({ grep -rhoE '!Sub +.*' "$root"/fixtures --include='*.yaml' | sed -E 's/^!Sub +//; s/^["'"'"']//; s/["'"'"']$//'
           grep -rhoE '"Fn::Sub": *"[^"]*"' "$root"/fixtures --include='*.json' | sed -E 's/^"Fn::Sub": *"//; s/"$//'
         } | LC_ALL=C sort -u | head -200)
for s in 'arn:${AWS::Partition}:s3:::${Bucket}/*' '${!Literal}-${Env}' '${Res.Arn}' 'open ${ only' \
         '${}' '$${x}' '${ A }${B.C.D}' 'é${Ünïcode}🦀' '${AWS::Region}.${AWS::URLSuffix}'; do
  printf '%s' "$s" | put fn_sub "h-$n"; n=$((n + 1))
done

# Terraform templates: quoted strings with ${ or %{ from the .tf fixtures, and by hand.
n=0
while IFS= read -r s; do
  printf '%s' "$s" | put tf_template "fx-$n"; n=$((n + 1))
done < <(grep -rhoE '"([^"\\]|\\.)*[$%]\{([^"\\]|\\.)*"' "$root"/fixtures --include='*.tf' \
           | sed -E 's/^"//; s/"$//' | LC_ALL=C sort -u | head -200)
for s in 'a-${var.x}-b' '%{ if var.on }yes%{ else }no%{ endif }' \
         '%{ for k, v in local.m ~}${k}=${v}\n%{ endfor ~}' '$${literal} %%{literal}' \
         '${aws_s3_bucket.b.arn}/*' '${jsonencode({a = 1})}' '  indented\n    more\n' \
         '${ "nested ${"x"}" }' 'é${ü}🦀'; do
  printf '%b' "$s" | put tf_template "h-$n"; n=$((n + 1))
done

for t in "$out"/*/; do echo "$(basename "$t"): $(find "$t" -type f | wc -l) seeds"; done
