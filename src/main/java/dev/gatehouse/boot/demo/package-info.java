@NullMarked
package dev.gatehouse.boot.demo;

import org.jspecify.annotations.NullMarked;
