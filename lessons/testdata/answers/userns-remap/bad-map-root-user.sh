# expect: fail
# --map-root-user maps the namespace's root to root itself.
# fail: owner
# detail: owner: the map in $EXERCISE_DIR/proof sends the writer's uid 0 to the lab's uid 0
unshare --user --map-root-user sh -c 'cat /proc/self/uid_map > "$EXERCISE_DIR/proof"'
