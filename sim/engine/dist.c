/* placeholder: being written */ typedef int zf_placeholder_dist;
