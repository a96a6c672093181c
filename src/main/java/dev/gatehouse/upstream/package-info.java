@NullMarked
package dev.gatehouse.upstream;

import org.jspecify.annotations.NullMarked;
