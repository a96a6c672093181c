@NullMarked
package dev.gatehouse.boot;

import org.jspecify.annotations.NullMarked;
