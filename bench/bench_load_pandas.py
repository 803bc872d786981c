# The pandas side of bench_load: pandas.read_csv of the same file, timed around read_csv only
# (interpreter start and import excluded), peak RSS of the process. Prints
# "seconds peak_rss_kb rows cols" like `bench_load --child`.
import resource
import sys
import time

import pandas as pd

path = sys.argv[1]
t0 = time.perf_counter()
df = pd.read_csv(path)
seconds = time.perf_counter() - t0
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{seconds:.4f} {rss_kb} {df.shape[0]} {df.shape[1]}")
