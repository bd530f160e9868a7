# hostile: 100 MB of output. The report keeps a bounded part.
echo "FLOOD-START"
yes | head -c 100M
echo "FLOOD-END"
