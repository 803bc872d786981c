// main(): the program is nntrain_main (main.cpp), which the whole-path fuzzer calls too.
#include "nntrain_main.h"

int main(int argc, char** argv) { return nntrain_main(argc, argv); }
