#include "cspawn.h"
int main(void){return 0;}
