# bash completion for bindtrace(8): subcommands, options, and the values of
# the options that take a fixed set. Installed as
# /usr/share/bash-completion/completions/bindtrace.

# COMPREPLY = the words of $1 that start with $2.
_bindtrace_reply() {
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

_bindtrace() {
    local cur prev words cword
    _init_completion -s || return

    local commands="trace info who check agent dump unpin audit"
    local trace_opts="--json --color --colour --port -p --pid --comm --errno -e --cgroup --netns --all
        --attach --duration -d --max-events -n --ringbuf-size --key-budget --batch --no-owner --owner-path --btf"
    local action_opts="--exec --exec-timeout --act --grace --allow-comm --allow-unit --allow-uid
        --allow-port --rate-limit --dry-run --yes -y"
    local common_opts="--verbose -v --help -h --version"
    local errnos="EADDRINUSE EADDRNOTAVAIL EACCES EPERM EINVAL EAFNOSUPPORT EOPNOTSUPP EPROTONOSUPPORT
        ENOTSOCK EBADF EISCONN EALREADY EINPROGRESS EDESTADDRREQ ENOBUFS ENOMEM EROFS ENOENT ENOTDIR
        ELOOP ENAMETOOLONG EEXIST ENOSPC ECONNREFUSED ENETUNREACH EHOSTUNREACH ETIMEDOUT"

    # The option's value.
    case $prev in
        --color | --colour)
            _bindtrace_reply "auto always never" "$cur"
            return ;;
        --attach)
            _bindtrace_reply "auto fentry kprobe tracepoint raw" "$cur"
            return ;;
        --owner-path)
            _bindtrace_reply "auto index iterators sock_diag" "$cur"
            return ;;
        --act)
            _bindtrace_reply "stop-owner stop-unit none" "$cur"
            return ;;
        --errno | -e)
            _bindtrace_reply "$errnos" "${cur^^}"
            return ;;
        --config | --log | --from | --btf)
            _filedir
            return ;;
        --cgroup | --pin-dir | --root)
            _filedir -d
            return ;;
        --netns)
            _filedir
            return ;;
        --pid)
            _pids
            return ;;
        --comm | --allow-comm)
            _bindtrace_reply "$(command ps -eo comm= 2>/dev/null | sort -u)" "$cur"
            return ;;
        --allow-unit)
            _bindtrace_reply "$(systemctl list-units --type=service --no-legend --plain 2>/dev/null |
                awk '{print $1}')" "$cur"
            return ;;
        --allow-uid)
            _bindtrace_reply "$(getent passwd 2>/dev/null | cut -d: -f3)" "$cur"
            return ;;
        --exec)
            mapfile -t COMPREPLY < <(compgen -c -- "$cur")
            return ;;
        --metrics)
            _bindtrace_reply "127.0.0.1:9464 off" "$cur"
            return ;;
        --since | --until)
            _bindtrace_reply "10m 1h 1d" "$cur"
            return ;;
        --port | -p | --max-events | -n | --duration | -d | --ringbuf-size | --key-budget | --exec-timeout | --grace | \
            --rate-limit | --allow-port)
            return ;;  # a number or a duration: nothing to offer
    esac

    # The subcommand, if one was given already.
    local command="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            trace | info | who | check | agent | dump | unpin | audit)
                command=${words[i]}
                break ;;
        esac
    done

    # Subcommands fall through to the top-level options, except unpin.
    local opts
    case $command in
        "") opts="$trace_opts $action_opts $common_opts" ;;
        trace) opts="$trace_opts $action_opts $common_opts" ;;
        info) opts="--json --color --btf $common_opts" ;;
        who) opts="--json --color --netns --no-owner --owner-path $common_opts" ;;
        check) opts="--from --json --color --netns --no-owner --owner-path $common_opts" ;;
        agent) opts="--config --log --metrics --pin-dir $trace_opts $action_opts $common_opts" ;;
        dump) opts="--log --since --until --no-recorder --pin-dir --json --color --port -p $common_opts" ;;
        unpin) opts="--pin-dir --help -h" ;;
        audit) opts="--root --json --color $common_opts" ;;
    esac

    if [[ $cur == -* ]]; then
        _bindtrace_reply "$opts" "$cur"
    elif [[ -z $command ]]; then
        _bindtrace_reply "$commands" "$cur"
    elif [[ $command == audit ]]; then
        _filedir
    elif [[ $command == who || $command == check ]]; then
        # Ports in use are the likely questions for who; nothing to guess for check.
        if [[ $command == who ]]; then
            _bindtrace_reply "$(command ss -Hltn 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}' |
                sort -nu)" "$cur"
        fi
    fi
} &&
    complete -F _bindtrace bindtrace
