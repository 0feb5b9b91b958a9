# Sourced by tools/setup, tools/guest-kernel, tools/guest-initramfs and tools/uapi-headers: build a cached
# artefact at most once, however many scripts ask for it at the same time. The pattern:
#   [ -e "$out" ] && { echo "$out"; exit 0; }      # ready: no lock needed (it appears by rename)
#   dma4j_cache_lock "$cache" "$(basename "$out")"  # one builder per cache dir; others wait here
#   [ -e "$out" ] && { echo "$out"; exit 0; }      # the process we waited for built it
#   dma4j_cache_tmp tmp "$cache" what               # build into $tmp (same file system) ...
#   mv "$tmp" "$out"                                # ... and rename into place, atomically
# The lock is the open file $cache/.lock, held until this process and its children (make) exit,
# so a killed build frees it and a half-built artefact is never visible under its final name.
# dma4j_cache_lock sets the EXIT trap (removing the temporaries); callers set none of their own.

_dma4j_cache_tmps=()
_dma4j_cache_cleanup() { [ ${#_dma4j_cache_tmps[@]} -eq 0 ] || rm -rf "${_dma4j_cache_tmps[@]}"; }

# dma4j_cache_lock DIR WHAT: take DIR/.lock for this process. If another process holds it, say
# once on stderr which build we wait for, and wait (DMA4J_CACHE_LOCK_TIMEOUT seconds, default
# 3600: a cold kernel build on a busy machine); then remove what killed builders left behind.
dma4j_cache_lock() {
  local dir=$1 what=$2 lock=$1/.lock me="tools/${0##*/}" wait_s=${DMA4J_CACHE_LOCK_TIMEOUT:-3600}
  mkdir -p "$dir"
  exec {_dma4j_cache_fd}>>"$lock"   # append: opening must not erase the holder's note
  if ! flock -n "$_dma4j_cache_fd"; then
    echo "$me: waiting for another build in $dir to finish: $(head -n 1 "$lock" 2>/dev/null || true)" >&2
    if ! flock -w "$wait_s" "$_dma4j_cache_fd"; then
      echo "$me: gave up after $wait_s s waiting for $lock ($(head -n 1 "$lock" 2>/dev/null || true)); if that process is gone, a process it started still holds the lock (fuser -v $lock)" >&2
      exit 1
    fi
  fi
  printf '%s (pid %s) building %s since %s\n' "$me" "$$" "$what" "$(date -u '+%F %T UTC')" >"$lock"
  # Only the lock holder creates .tmp.* here, so any found now are a killed build's leftovers.
  rm -rf "$dir"/.tmp.*
  trap _dma4j_cache_cleanup EXIT
}

# dma4j_cache_tmp VAR DIR NAME [-d]: a new temporary file (or directory, with -d) in DIR, named
# after NAME, removed when this process exits unless it was renamed away; its path goes in VAR.
dma4j_cache_tmp() {
  local -n _dma4j_var=$1
  _dma4j_var=$(mktemp ${4:+-d} "$2/.tmp.$3.XXXXXX")
  _dma4j_cache_tmps+=("$_dma4j_var")
}
